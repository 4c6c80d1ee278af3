// Small formatting helpers for the UI.

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function timeAgo(time: number, now = Date.now()): string {
	if (!time) return 'never';
	const seconds = Math.round((time - now) / 1000);
	const abs = Math.abs(seconds);
	if (abs < 45) return 'just now';
	if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
	if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
	if (abs < 7 * 86_400) return relative.format(Math.round(seconds / 86_400), 'day');
	return new Date(time).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/** Starts a download of a blob under a file name. */
export function saveFile(filename: string, blob: Blob): void {
	const url = URL.createObjectURL(blob);
	const link = document.createElement('a');
	link.href = url;
	link.download = filename;
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
