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

interface SyncLike {
	state: 'offline' | 'connecting' | 'alone' | 'syncing' | 'synced';
	peers: number;
	signalingUp: number;
	signalingTotal: number;
	relays?: { total: number; connected: number; kept: number };
}

/** The sync state in words: a short label and one sentence of what it means for the person. */
export function describeSync(status: SyncLike, paused: boolean): { label: string; detail: string } {
	const people = (n: number) => `${n} ${n === 1 ? 'peer' : 'peers'}`;
	const relaysText = (n: number) => `${n} ${n === 1 ? 'relay' : 'relays'}`;
	const relays = status.relays ?? { total: 0, connected: 0, kept: 0 };
	if (paused) {
		return {
			label: 'Sync paused',
			detail: 'You are working offline. Changes are saved on this device and sync when you resume.'
		};
	}
	switch (status.state) {
		case 'offline':
			return {
				label: 'Offline',
				detail: 'Changes are saved on this device and will sync when you are back online.'
			};
		case 'connecting':
			return {
				label: 'Connecting…',
				detail:
					status.signalingTotal > 0
						? `Looking for peers: none of the ${status.signalingTotal} signaling ${status.signalingTotal === 1 ? 'server answers' : 'servers answer'} yet. Changes are saved on this device meanwhile.`
						: 'Looking for peers. Changes are saved on this device meanwhile.'
			};
		case 'alone':
			if (relays.total > 0) {
				return {
					label: 'Relay unreachable — kept only on your devices',
					detail:
						'None of your relays answers, and nobody else is online. Changes are saved on this device and go out when a relay or a person is back.'
				};
			}
			return {
				label: 'Only you here',
				detail:
					'Nobody else with this space is online. Your changes are saved on this device and will sync when someone with this space comes online.'
			};
		case 'syncing':
			return status.peers === 0 && relays.connected > 0
				? {
						label: `Syncing with ${relaysText(relays.connected)}…`,
						detail: 'Handing changes to the relay. Everything is end-to-end encrypted.'
					}
				: {
						label: `Syncing with ${people(status.peers)}…`,
						detail: 'Exchanging changes. Everything is end-to-end encrypted.'
					};
		case 'synced':
			return status.peers === 0
				? {
						// Not "saved on this device": the line below the sync line says that.
						label: `In sync · kept on ${relaysText(relays.kept)}`,
						detail:
							'Nobody else is online; the relays hold your changes (sealed: they cannot read them) for when they come.'
					}
				: {
						label: `In sync · ${people(status.peers)}${relays.kept > 0 ? ` · kept on ${relaysText(relays.kept)}` : ''}`,
						detail:
							'Up to date with everyone connected. Changes travel directly, end-to-end encrypted.'
					};
	}
}

/** A byte count the way people read it: 900 B, 1.2 MB, 34 MB. */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['KB', 'MB', 'GB', 'TB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
