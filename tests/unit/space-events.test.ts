// The space-list channel: an instance per page, events reach this tab and others, and closing
// it is clean and idempotent.
import { describe, expect, it } from 'vitest';
import { SpaceEvents, type SpaceEvent } from '../../src/lib/session/space-events';

describe('SpaceEvents', () => {
	it('tells this tab and another, ignores junk, and closes twice without error', async () => {
		const name = `test-${Math.random()}`;
		const here = new SpaceEvents(name);
		const there = new SpaceEvents(name);
		const seenHere: SpaceEvent[] = [];
		const seenThere: SpaceEvent[] = [];
		const stop = here.subscribe((e) => seenHere.push(e));
		there.subscribe((e) => seenThere.push(e));
		here.publish({ type: 'changed', id: 'a' });
		const junk = new BroadcastChannel(name);
		junk.postMessage({ type: 'exploded', id: 3 });
		junk.postMessage('nonsense');
		junk.postMessage({ type: 'deleted', id: 'b' });
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(seenHere).toEqual([
			{ type: 'changed', id: 'a' },
			{ type: 'deleted', id: 'b' }
		]);
		expect(seenThere).toEqual(seenHere);
		stop();
		here.destroy();
		here.destroy();
		here.publish({ type: 'changed', id: 'late' });
		there.destroy();
		junk.close();
	});
});
