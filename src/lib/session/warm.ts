// Work the app can start before it is needed, so opening a space waits less.
import * as keyring from '../storage/keyring';

export function warm(): void {
	if (typeof indexedDB !== 'undefined') keyring.warm();
}
