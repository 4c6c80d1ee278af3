// A relay (DESIGN.md §4b): an always-on peer that keeps spaces' logs, holding only their relay
// capability (`relayKey ‖ signPk`). It stores and forwards ciphertext, checks every message and
// every envelope with the app's own code (sync/peer-guard.ts, log/guard.ts — not a second copy),
// and can read nothing. The wire is sync/relay-wire.ts; the store a LogStore (LevelDB by
// default, server/level-log-store.ts). Each room is loaded when its first client joins and
// dropped when its last leaves.
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { fromRelay, KEY_BYTES, type RelayCapability } from '../src/lib/crypto/capability';
import { createVerifier, type Verifier } from '../src/lib/crypto/signing';
import { LogGuard } from '../src/lib/log/guard';
import { keepQuotaKey } from './keep-counts';
import { createLogDoc } from '../src/lib/log/log-doc';
import type { LogStore } from '../src/lib/storage/log-store';
import { persist, type Persisted } from '../src/lib/storage/persist';
import { PeerGuard } from '../src/lib/sync/peer-guard';
import { checkPeerMessage } from '../src/lib/sync/peer-message';
import {
	decodeFrame,
	encodeFrame,
	forgetRequest,
	FRAME,
	newNonce,
	readSync,
	relayProof,
	sameProof,
	syncMessage,
	type RelayFrame,
	type RelayRefusal
} from '../src/lib/sync/relay-wire';

/** How many spaces a relay keeps: in all, and asked for from one address in a day. */
export interface KeepQuota {
	maxKept: number;
	maxKeptPerAddress: number;
}

/** Why a space was not kept: the address has asked for its share today, or the relay is full. */
export type KeepRefusal = 'too-many-rooms' | 'relay-full';

/** Where a relay keeps which spaces it keeps (their b1 capabilities). */
export interface KeptSpaces {
	get(room: string): Promise<Uint8Array | null>;
	/**
	 * Keeps a space that is not kept yet, asked for from `address` (gate.js `addressKey`), if the
	 * quota allows, and counts it against the address for a day (KEEP_WINDOW_MS): null when kept, else
	 * why not. Check and write are one step for every relay node that shares the store, so asks
	 * made at once (on one node or several) cannot all pass.
	 */
	add(
		room: string,
		capability: Uint8Array,
		address: string,
		quota: KeepQuota
	): Promise<KeepRefusal | null>;
	delete(room: string): Promise<void>;
	count(): Promise<number>;
}

export interface RelayOptions {
	store: LogStore;
	kept: KeptSpaces;
	/** Spaces one address may ask this relay (all its nodes) to keep in a day (KEEP_WINDOW_MS). */
	maxKeptPerAddress?: number;
	/** Spaces this relay keeps in all. */
	maxKept?: number;
	/** Live envelope bytes one space may hold here. */
	maxRoomBytes?: number;
	/** How signatures are checked (the app's WebCrypto path unless the server gives its own). */
	createVerifier?: (publicKey: Uint8Array) => Promise<Verifier>;
	/**
	 * The other nodes of the same relay service (Redis pub/sub, server/redis-bus.js), when it
	 * has several sharing one store (whose logs are SharedLogs): each node tells the others a
	 * room grew, and they read what they have not seen from the store (`fromNode`).
	 */
	bus?: RelayBus;
	log?: (line: string) => void;
}

/** Rooms shared with the service's other nodes (see RelayOptions.bus). */
export interface RelayBus {
	/** Resolves once messages about `room` reach this node (or the bus is away: see reconnected). */
	join(room: string): Promise<void>;
	leave(room: string): void;
	publish(room: string, message: Uint8Array): void;
}

/**
 * A room's log as the nodes of a service share it (server/redis-log-store.ts's RedisLog): each
 * record has a position, and a node reads on from the position after the last it has.
 */
export interface SharedLog {
	/** The position after the last record this node loaded, read or wrote (what a hint says). */
	readonly end: number;
	/** This node has every record before this position (loaded, read, or written by itself). */
	readonly seen: number;
	/** The records from `position` on, where they end, and whether the room is still kept. */
	readFrom(position: number): Promise<{ updates: Uint8Array[]; end: number; kept: boolean }>;
	/** The position after `update`, if this node appended it. */
	endOf(update: Uint8Array): number | undefined;
	/** The record before `end` was applied here: the position moves on if it was the next. */
	advance(end: number): boolean;
}

const isShared = (stored: object): stored is SharedLog =>
	'readFrom' in stored && typeof stored.readFrom === 'function';

/**
 * What goes between nodes is small, whatever was stored: a room grew (to the position after the
 * record: float64), with the record itself when it is at most PASS_ON_BYTES, or a room was
 * forgotten. A node applies a record passed on only if it is the next one it lacks; anything
 * else it reads from the store. So no message is too big for Redis to pass on, and none lost
 * on the way loses data: the next one, a reconnect or the sweep reads everything since.
 */
const NODE_GREW = 1;
const NODE_FORGOTTEN = 2;
const PASS_ON_BYTES = 64 * 1024;
/** Every loaded room reads on from the store this often, in case a message did not arrive. */
const SWEEP_MS = 30_000;
/** The origin of updates another node stored (persist() does not write them again). */
const FROM_NODES = { fromNodes: true };

/** One client's connection, as the relay needs it (a `ws` WebSocket in the server). */
export interface RelaySocket {
	send(bytes: Uint8Array): void;
	close(code?: number, reason?: string): void;
}

interface Room {
	readonly cap: RelayCapability;
	readonly doc: Y.Doc;
	readonly guard: LogGuard;
	readonly verifier: Verifier;
	readonly persisted: Persisted;
	readonly clients: Set<Client>;
	/** Bytes of updates taken but not yet indexed by the guard (it checks asynchronously). */
	pending: number;
	/** Set at once when an editor has the room forgotten: nobody joins it after that. */
	forgotten: boolean;
	/** With other nodes: the room's log in the shared store (it knows how far this node has it). */
	shared: SharedLog | null;
	/** A read from the store is under way, and another was asked for meanwhile. */
	reading: boolean;
	readAgain: boolean;
	/** Presence bytes the room may still pass on now (see #presence). */
	presence: { tokens: number; at: number };
	/** A KEPT is on its way (see #announceKept), and whether updates came after it was planned. */
	keptTimer: ReturnType<typeof setTimeout> | null;
	keptAgain: boolean;
}

/**
 * KEPT goes out at most this often per room: one frame per update to every member (four
 * writes for each update one member types, in a room of four) was the relay's largest cost.
 */
const KEPT_EVERY_MS = 100;

interface Client {
	readonly socket: RelaySocket;
	readonly address: string;
	readonly nonce: Uint8Array;
	room: string | null;
	joined: Room | null;
	keep: Uint8Array | null;
	/** Checks what this client sends, against the room's log once joined. */
	guard: PeerGuard;
	/** The connection is gone (a join still in flight must not add it). */
	closed: boolean;
	/** Presence frames it may still pass on now (a bucket refilled over time). */
	presence: { tokens: number; at: number };
}

/** Presence passed on per connection: a burst, then so many a second (carets move often). */
const PRESENCE_BURST = 40;
const PRESENCE_PER_SECOND = 20;
/**
 * Presence bytes passed on per room, from everyone in it: each frame goes to every member, so
 * this bounds what a member is sent (a sealed state is 0.3–11 KB; a busy room of ten people
 * moving carets sends ~30 KB a second).
 */
const ROOM_PRESENCE_BURST = 512 * 1024;
const ROOM_PRESENCE_PER_SECOND = 128 * 1024;

/** Tops up a token bucket for the time since it was last used. */
function refill(bucket: { tokens: number; at: number }, now: number, burst: number, rate: number) {
	bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
	bucket.at = now;
	return bucket;
}

export class Relay {
	readonly stats = {
		connections: 0,
		joined: 0,
		kept: 0,
		refused: {} as Partial<Record<RelayRefusal, number>>,
		updates: 0,
		forgotten: 0,
		presence: 0,
		/** Records other nodes of the service stored, applied here (passed on or read). */
		fromNodes: 0,
		/** Reads from the shared store that failed (Redis away): the next message reads again. */
		readFailed: 0,
		/** Updates too big to pass on as one (members fetch them with a step 1). */
		heldBack: 0
	};
	readonly #options: Required<Omit<RelayOptions, 'log' | 'bus'>> &
		Pick<RelayOptions, 'log' | 'bus'>;
	readonly #rooms = new Map<string, Promise<Room>>();
	/** Rooms being deleted at an editor's request: nobody joins them meanwhile. */
	readonly #forgetting = new Set<string>();
	/** Joins in flight per room: a room is unloaded only when it has no client and none. */
	readonly #joining = new Map<string, number>();
	/** Rooms a KEEP is being stored for (one at a time per room). */
	readonly #keeping = new Set<string>();
	/** Rooms this node listens to on the bus, and how many loads hold each. */
	readonly #listening = new Map<string, { holds: number; ready: Promise<void> }>();
	#sweep: ReturnType<typeof setInterval> | null = null;
	/** The rooms loaded now, by room (the promises in #rooms resolve to these). */
	readonly #loaded = new Map<string, Room>();
	/** The client whose whole history (a step 2) is being applied now, if any. */
	#bulk: Client | null = null;

	constructor(options: RelayOptions) {
		this.#options = {
			maxKeptPerAddress: 100,
			maxKept: 10_000,
			maxRoomBytes: 256 * 1024 * 1024,
			createVerifier,
			...options
		};
		if (options.bus !== undefined) {
			this.#sweep = setInterval(() => {
				for (const room of this.#loaded.values()) void this.#catchUp(room);
			}, SWEEP_MS);
			this.#sweep.unref?.();
		}
	}

	/** A new connection from `address`: the relay sends its challenge at once. */
	connect(
		socket: RelaySocket,
		address: string
	): { receive(bytes: Uint8Array): void; close(): void } {
		this.stats.connections++;
		const client: Client = {
			socket,
			address,
			nonce: newNonce(),
			room: null,
			joined: null,
			keep: null,
			guard: new PeerGuard(),
			closed: false,
			presence: { tokens: PRESENCE_BURST, at: Date.now() }
		};
		socket.send(encodeFrame({ type: FRAME.challenge, nonce: client.nonce }));
		return {
			receive: (bytes) => {
				void this.#receive(client, bytes).catch((error: unknown) => {
					// reason: one client's failure must not reach the socket's event handler; the
					// client is told, and the log says what kind of failure (never the bytes).
					this.#options.log?.(
						`relay: a message could not be handled (${(error as Error)?.name}: ${(error as Error)?.message})`
					);
					this.#refuse(client, 'unavailable', true);
				});
			},
			close: () => {
				client.closed = true;
				this.#leave(client);
			}
		};
	}

	async #receive(client: Client, bytes: Uint8Array): Promise<void> {
		const frame = decodeFrame(bytes);
		if (frame === null) return this.#refuse(client, 'malformed');
		if (client.joined !== null) {
			if (frame.type === FRAME.forget) return this.#forget(client, client.joined, frame.signature);
			if (frame.type === FRAME.presence)
				return this.#presence(client, client.joined, frame.message);
			if (frame.type !== FRAME.sync) return this.#refuse(client, 'malformed');
			return this.#sync(client, client.joined, frame.message);
		}
		switch (frame.type) {
			case FRAME.hello:
				if (client.room !== null) return this.#refuse(client, 'malformed');
				client.room = frame.room;
				return;
			case FRAME.keep:
				client.keep = frame.capability;
				return;
			case FRAME.proof:
				return this.#join(client, frame);
			default:
				return this.#refuse(client, 'malformed');
		}
	}

	async #join(client: Client, frame: Extract<RelayFrame, { type: typeof FRAME.proof }>) {
		const room = client.room;
		if (room === null) return this.#refuse(client, 'malformed');
		if (this.#forgetting.has(room)) return this.#refuse(client, 'unavailable', true);
		this.#joining.set(room, (this.#joining.get(room) ?? 0) + 1);
		let joined: Room | null = null;
		try {
			let capability = await this.#options.kept.get(room);
			if (capability === null && client.keep !== null && !client.closed) {
				capability = await this.#keep(client, room);
				if (capability === null) return; // refused, with the reason
			}
			if (client.closed) return;
			if (capability === null) return this.#refuse(client, 'unknown-room', true);
			const relayKey = capability.subarray(0, KEY_BYTES);
			if (!sameProof(relayProof(relayKey, client.nonce, room), frame.proof)) {
				return this.#refuse(client, 'bad-proof', true);
			}
			joined = await this.#room(room, capability);
			// Whatever happened while we waited: the connection closed, or an editor had the
			// space forgotten (its capability is gone, or going) — then this client stays out.
			const stillKept = (await this.#options.kept.get(room)) !== null;
			if (client.closed) return;
			if (!stillKept || joined.forgotten || this.#forgetting.has(room)) {
				return this.#refuse(client, 'unavailable', true);
			}
			client.guard = new PeerGuard(Date.now, joined.doc);
			client.joined = joined;
			joined.clients.add(client);
		} finally {
			const left = (this.#joining.get(room) ?? 1) - 1;
			if (left > 0) this.#joining.set(room, left);
			else this.#joining.delete(room);
			// Loaded for a client that did not stay: let it go again.
			if (joined !== null && client.joined !== joined) this.#unloadIfIdle(joined);
		}
		this.stats.joined++;
		client.socket.send(encodeFrame({ type: FRAME.joined }));
		const step1 = syncMessage((encoder) => syncProtocol.writeSyncStep1(encoder, joined.doc));
		client.guard.sent(step1);
		client.socket.send(encodeFrame({ type: FRAME.sync, message: step1 }));
		// What the store holds for certain now; writes still landing are told in the next KEPT.
		client.socket.send(
			encodeFrame({ type: FRAME.kept, stateVector: joined.persisted.committedVector })
		);
		this.#announceKept(joined);
	}

	/**
	 * Keeps a space a client asked for, if its capability names this room and the quota allows
	 * (the store checks and writes in one step: see KeptSpaces.add).
	 */
	async #keep(client: Client, room: string): Promise<Uint8Array | null> {
		const capability = client.keep as Uint8Array;
		const cap = fromRelay(capability.slice(0, KEY_BYTES), capability.slice(KEY_BYTES));
		if (cap.room !== room) {
			this.#refuse(client, 'bad-capability', true);
			return null;
		}
		if (this.#keeping.has(room)) {
			// Another connection is storing this very space right now: try again shortly.
			this.#refuse(client, 'unavailable', true);
			return null;
		}
		this.#keeping.add(room);
		try {
			const refused = await this.#options.kept.add(room, capability, keepQuotaKey(client.address), {
				maxKept: this.#options.maxKept,
				maxKeptPerAddress: this.#options.maxKeptPerAddress
			});
			if (refused !== null) {
				this.#refuse(client, refused, true);
				return null;
			}
		} finally {
			this.#keeping.delete(room);
		}
		this.stats.kept++;
		return capability;
	}

	#sync(client: Client, room: Room, message: Uint8Array) {
		const checked = client.guard.check(message);
		if (!checked.ok || message[0] !== 0) return this.#refuse(client, 'refused-update');
		if (message[1] !== 0) {
			// An update or step 2 that would take the space past its quota is refused whole,
			// counting what was taken but is not checked yet (a burst arrives faster than that).
			const bytes = room.guard.bytes + room.pending + message.length;
			if (bytes > this.#options.maxRoomBytes) return this.#refuse(client, 'room-full');
			room.pending += message.length;
			void room.guard.settled().then(() => (room.pending -= message.length));
		}
		// A whole history (step 2) applies as one update, maybe over what members take as one.
		this.#bulk = message[1] === 1 ? client : null;
		let answer: Uint8Array | null;
		try {
			answer = readSync(message, room.doc, client);
		} finally {
			this.#bulk = null;
		}
		if (answer !== null) client.socket.send(encodeFrame({ type: FRAME.sync, message: answer }));
	}

	/**
	 * Sealed presence: passed to the room's other members as it came, never kept, never read
	 * (the relay cannot open it; members check it as they check any peer's). Bounded in size by
	 * the frame and in rate per connection; over the rate it is dropped, counted as 'rate'.
	 */
	#presence(client: Client, room: Room, message: Uint8Array) {
		const now = Date.now();
		// Two budgets: the sender's (frames), and the room's (bytes, whoever sends them), since
		// each frame goes to every member: many connections of one attacker share the room's.
		const mine = refill(client.presence, now, PRESENCE_BURST, PRESENCE_PER_SECOND);
		const room_ = refill(room.presence, now, ROOM_PRESENCE_BURST, ROOM_PRESENCE_PER_SECOND);
		if (mine.tokens < 1 || room_.tokens < message.length) {
			this.stats.refused.rate = (this.stats.refused.rate ?? 0) + 1;
			return;
		}
		mine.tokens -= 1;
		room_.tokens -= message.length;
		this.stats.presence++;
		const frame = encodeFrame({ type: FRAME.presence, message });
		for (const other of room.clients) if (other !== client) other.socket.send(frame);
	}

	async #room(room: string, capability: Uint8Array): Promise<Room> {
		let loading = this.#rooms.get(room);
		if (loading === undefined) {
			loading = this.#load(room, capability);
			this.#rooms.set(room, loading);
			loading.catch(() => this.#rooms.delete(room));
		}
		return loading;
	}

	async #load(room: string, capability: Uint8Array): Promise<Room> {
		const cap = fromRelay(capability.slice(0, KEY_BYTES), capability.slice(KEY_BYTES));
		const doc = createLogDoc();
		// With other nodes: listening first, then reading the log, so that whatever another
		// node stores after the read is heard of (and read: see the #catchUp below).
		const bus = this.#options.bus;
		if (bus !== undefined) await this.#listen(room);
		let stored = (): void => {};
		let shared: SharedLog | null = null;
		let persisted: Persisted | null = null;
		let verifier: Verifier;
		let guard: LogGuard;
		try {
			const log = await this.#options.store.open(room);
			shared = bus !== undefined && isShared(log) ? log : null;
			persisted = await persist(doc, log, {
				journal: null,
				// Compacted by bytes too: junk the guard removes must leave the disk, not only the log.
				compactBytes: this.#options.maxRoomBytes / 2,
				// With other nodes: what they stored is not stored again; that we stored, they hear.
				...(shared === null ? {} : { storedBy: FROM_NODES }),
				onStored: (update: Uint8Array) => {
					if (shared !== null) {
						const end = shared.endOf(update);
						const whole = end !== undefined && update.length <= PASS_ON_BYTES;
						bus?.publish(room, grewMessage(end ?? shared.end, whole ? update : undefined));
					}
					// Something landed (after a failed write, the whole-state save): members are told.
					stored();
				}
			});
			verifier = await this.#options.createVerifier(cap.signPk);
			guard = new LogGuard({ log: doc, cap, verifier });
			await guard.start();
		} catch (error) {
			// Nothing is left held: the bus channel, the store handle, the doc.
			this.#unlisten(room);
			await persisted?.destroy();
			doc.destroy();
			throw error;
		}
		const loaded: Room = {
			cap,
			doc,
			guard,
			verifier,
			persisted,
			clients: new Set(),
			pending: 0,
			forgotten: false,
			shared,
			reading: false,
			readAgain: false,
			keptTimer: null,
			keptAgain: false,
			presence: { tokens: ROOM_PRESENCE_BURST, at: Date.now() }
		};
		this.#loaded.set(room, loaded);
		// What other nodes stored between the load's read and now.
		void this.#catchUp(loaded);
		stored = () => this.#announceKept(loaded);
		doc.on('update', (update: Uint8Array, origin: unknown) => {
			this.stats.updates++;
			const message = syncMessage((encoder) => syncProtocol.writeUpdate(encoder, update));
			// A member's own update passed the caps of one update on its way in. What came as a
			// whole history (a member catching up), from another node or from the guard may not:
			// members would refuse it, so it is not sent; the KEPT that follows tells them the
			// relay holds more than they do, and they ask for it (a step 1 they may answer with
			// a whole history).
			const member =
				origin !== null && this.#bulk !== origin && loaded.clients.has(origin as Client);
			if (member || checkPeerMessage(message).ok) {
				const frame = encodeFrame({ type: FRAME.sync, message });
				for (const other of loaded.clients) if (other !== origin) other.socket.send(frame);
			} else this.stats.heldBack++;
			this.#announceKept(loaded);
		});
		return loaded;
	}

	/**
	 * Kept means committed: shortly after an update, every member is told the state vector the
	 * store holds for certain once the writes made so far have landed (persist's
	 * `committedVector`: a failed write holds it back until a whole-state save succeeds).
	 * Updates that arrive meanwhile get the next KEPT; a steady stream cannot hold one back.
	 */
	#announceKept(room: Room) {
		if (room.keptTimer !== null) {
			room.keptAgain = true;
			return;
		}
		room.keptAgain = false;
		room.keptTimer = setTimeout(() => {
			void room.persisted.committed().then((vector) => {
				room.keptTimer = null;
				if (this.#loaded.get(room.cap.room) !== room) return; // let go meanwhile
				const kept = encodeFrame({ type: FRAME.kept, stateVector: vector });
				for (const each of room.clients) each.socket.send(kept);
				if (room.keptAgain) this.#announceKept(room);
			});
		}, KEPT_EVERY_MS);
	}

	/**
	 * An editor asks to stop keeping the space: a signature by `signSk` over this connection's
	 * nonce and the room (a relay key holder, a viewer, cannot make one). Everyone in the room is
	 * told and let go; the log and the capability are deleted from the store.
	 */
	async #forget(client: Client, room: Room, signature: Uint8Array) {
		const request = forgetRequest(client.nonce, room.cap.room);
		if (!(await room.verifier.verify(signature, request))) {
			return this.#refuse(client, 'bad-signature', true);
		}
		if (this.#forgetting.has(room.cap.room) || room.forgotten) return;
		this.#forgetting.add(room.cap.room);
		await this.#letGo(room);
		try {
			await this.#options.kept.delete(room.cap.room);
			await this.#options.store.remove(room.cap.room);
		} finally {
			this.#forgetting.delete(room.cap.room);
		}
		this.stats.forgotten++;
		this.#options.bus?.publish(room.cap.room, new Uint8Array([NODE_FORGOTTEN]));
		this.#options.log?.('relay: a space was forgotten at an editor’s request');
	}

	/**
	 * A message from another node of the service about a room: it grew (this node reads what it
	 * has not seen from the store, applies it, so its members get it too, and counts it as
	 * committed), or it was forgotten at an editor's request (this node's members are told and
	 * let go). Never throws.
	 */
	fromNode(room: string, message: Uint8Array): void {
		const loaded = this.#loaded.get(room);
		if (loaded === undefined || loaded.forgotten) return;
		if (message[0] === NODE_GREW && message.length >= 9 && loaded.shared !== null) {
			const end = new DataView(message.buffer, message.byteOffset + 1, 8).getFloat64(0);
			if (end <= loaded.shared.seen) return;
			// The next record this node lacks, passed on whole: applied, no read.
			if (message.length > 9 && !loaded.reading && end - 1 === loaded.shared.seen) {
				try {
					Y.applyUpdate(loaded.doc, message.subarray(9), FROM_NODES);
					loaded.shared.advance(end);
					this.stats.fromNodes++;
					return;
				} catch {
					// reason: read from the store instead, as for any other gap.
				}
			}
			void this.#catchUp(loaded);
		} else if (message[0] === NODE_FORGOTTEN) this.#forgottenElsewhere(loaded);
	}

	/**
	 * The bus was away and is back: messages may have been lost meanwhile. Every room reads on
	 * from the store (which also lets go of a room forgotten meanwhile: see #catchUp).
	 */
	reconnected(): void {
		for (const room of this.#loaded.values()) void this.#catchUp(room);
	}

	/**
	 * Reads what other nodes stored since this node's position in the room and applies it, one
	 * read at a time; a room no longer kept (forgotten elsewhere) is let go.
	 */
	async #catchUp(room: Room): Promise<void> {
		const shared = room.shared;
		if (shared === null) return;
		if (room.reading) {
			room.readAgain = true;
			return;
		}
		room.reading = true;
		try {
			do {
				room.readAgain = false;
				const { updates, kept } = await shared.readFrom(shared.seen);
				if (this.#loaded.get(room.cap.room) !== room || room.forgotten) return;
				if (!kept) {
					// Forgotten on another node, and its message did not reach this one.
					this.#forgottenElsewhere(room);
					return;
				}
				Y.transact(
					room.doc,
					() => {
						for (const update of updates) {
							try {
								Y.applyUpdate(room.doc, update);
							} catch {
								// reason: the store holds what a node checked; anything else is skipped.
								this.stats.refused.malformed = (this.stats.refused.malformed ?? 0) + 1;
							}
						}
					},
					FROM_NODES
				);
				this.stats.fromNodes += updates.length;
			} while (room.readAgain);
		} catch {
			// reason: the store is away; the next message, the reconnect or the sweep reads again.
			this.stats.readFailed++;
		} finally {
			room.reading = false;
		}
	}

	/** Another node forgot the room at an editor's request: members are told and let go. */
	#forgottenElsewhere(loaded: Room) {
		if (loaded.forgotten || this.#loaded.get(loaded.cap.room) !== loaded) return;
		void this.#letGo(loaded);
	}

	/** A forgotten room: nobody joins it any more; its members are told and let go, then it. */
	#letGo(room: Room): Promise<void> {
		room.forgotten = true;
		this.#rooms.delete(room.cap.room);
		if (this.#loaded.get(room.cap.room) === room) this.#loaded.delete(room.cap.room);
		const forgotten = encodeFrame({ type: FRAME.forgotten });
		for (const each of room.clients) {
			each.joined = null;
			each.socket.send(forgotten);
			each.socket.close(4002, 'forgotten');
		}
		room.clients.clear();
		return this.#teardown(room);
	}

	/** Listens to a room on the bus (once for every load that holds it). */
	async #listen(room: string): Promise<void> {
		const bus = this.#options.bus as RelayBus;
		let listening = this.#listening.get(room);
		if (listening === undefined) {
			listening = { holds: 0, ready: bus.join(room) };
			this.#listening.set(room, listening);
		}
		listening.holds++;
		await listening.ready;
	}

	#unlisten(room: string) {
		const listening = this.#listening.get(room);
		if (listening === undefined || --listening.holds > 0) return;
		this.#listening.delete(room);
		this.#options.bus?.leave(room);
	}

	#leave(client: Client) {
		const room = client.joined;
		client.joined = null;
		if (room === null) return;
		room.clients.delete(client);
		this.#unloadIfIdle(room);
	}

	/** The last one left (and nobody is joining): write what is pending, then let the room go. */
	#unloadIfIdle(room: Room) {
		if (room.clients.size > 0 || room.forgotten) return;
		if ((this.#joining.get(room.cap.room) ?? 0) > 0) return;
		if (this.#loaded.get(room.cap.room) !== room) return; // already let go
		this.#loaded.delete(room.cap.room);
		this.#rooms.delete(room.cap.room);
		void this.#teardown(room);
	}

	/** Writes what the room has pending, then frees its guard, store handle and doc. */
	async #teardown(room: Room): Promise<void> {
		if (room.keptTimer !== null) clearTimeout(room.keptTimer);
		this.#unlisten(room.cap.room);
		await room.persisted.flushed();
		room.guard.destroy();
		await room.persisted.destroy();
		room.doc.destroy();
	}

	#refuse(client: Client, code: RelayRefusal, close = false) {
		this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1;
		client.socket.send(encodeFrame({ type: FRAME.refused, code }));
		if (close) client.socket.close(4000, code);
	}

	/** Writes what is pending in every room and lets them go (graceful shutdown). */
	async close(): Promise<void> {
		if (this.#sweep !== null) clearInterval(this.#sweep);
		const rooms = await Promise.all(this.#rooms.values());
		this.#rooms.clear();
		this.#loaded.clear();
		for (const room of rooms) await this.#teardown(room);
	}
}

/** NODE_GREW: a record was stored that ends at `end`; `update` is the record, if small. */
function grewMessage(end: number, update?: Uint8Array): Uint8Array {
	const message = new Uint8Array(9 + (update?.length ?? 0));
	message[0] = NODE_GREW;
	new DataView(message.buffer).setFloat64(1, end);
	if (update !== undefined) message.set(update, 9);
	return message;
}
