// What the browser grants this app: persistent storage, and how much of the quota is used.

export interface StorageInfo {
	supported: boolean;
	persisted: boolean;
	usage: number | null;
	quota: number | null;
}

export async function info(): Promise<StorageInfo> {
	const storage = globalThis.navigator?.storage;
	if (!storage?.estimate) return { supported: false, persisted: false, usage: null, quota: null };
	const [estimate, persisted] = await Promise.all([
		storage.estimate(),
		storage.persisted ? storage.persisted() : Promise.resolve(false)
	]);
	return {
		supported: true,
		persisted,
		usage: estimate.usage ?? null,
		quota: estimate.quota ?? null
	};
}

/** Asks the browser not to evict our data under storage pressure. */
export async function requestPersistence(): Promise<boolean> {
	const storage = globalThis.navigator?.storage;
	if (!storage?.persist) return false;
	return (await storage.persisted?.()) || storage.persist();
}
