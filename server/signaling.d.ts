export interface SignalingOptions {
	host?: string;
	port?: number;
	maxPayload?: number;
	tokenBytes?: number;
	maxDataBytes?: number;
	maxDataDepth?: number;
	maxBufferedBytes?: number;
	slowCloseGraceMs?: number;
	maxConnections?: number;
	maxConnectionsPerIp?: number;
	maxTopicsPerConnection?: number;
	maxTopicLength?: number;
	messagesPerSecond?: number;
	burst?: number;
	heartbeatMs?: number;
	summaryMs?: number;
	log?: (line: string) => void;
	/**
	 * Redis (`redis://host:port`): this node shares topics with every other node on the same
	 * Redis (server/redis-bus.js), so clients on different nodes meet.
	 */
	redisUrl?: string;
	/** A relay to serve on `/relay` of the same port (server/relay-server.ts). */
	relay?: {
		handles(req: import('node:http').IncomingMessage): boolean;
		handleUpgrade(
			req: import('node:http').IncomingMessage,
			socket: import('node:stream').Duplex,
			head: Buffer
		): void;
		stats(): Record<string, unknown>;
		close(): Promise<void>;
	};
}

/** Counts only, never contents; what GET /health answers. */
export interface SignalingStats {
	ok: true;
	uptimeSeconds: number;
	open: number;
	topics: number;
	connections: number;
	relayed: number;
	malformed: number;
	rateLimited: number;
	rejectedTopics: number;
	closedIdle: number;
	/** Receivers closed (1013) for falling more than maxBufferedBytes behind. */
	slowClosed: number;
	/** Upgrades refused with 503: maxConnections reached. */
	refusedFull: number;
	/** Upgrades refused with 429: maxConnectionsPerIp reached for the address (IPv6: its /64). */
	refusedPerIp: number;
	/** Publishes over maxDataBytes, dropped. */
	oversizeData: number;
	/** Frames nested deeper than maxDataDepth, dropped. */
	deepData: number;
	/** Messages whose handling threw; dropped without closing any connection. */
	handlerErrors: number;
	/** Publishes from other nodes (Redis) delivered here. */
	fromNodes: number;
	/** With Redis: whether it is reachable, and publishes sent, received and failed. */
	nodes?: { redis: boolean; published: number; received: number; failed: number };
	/** The relay's counts, when it runs on this port. */
	relay?: Record<string, unknown>;
}

export interface SignalingServer {
	port: number;
	url: string;
	stats(): SignalingStats;
	close(): Promise<void>;
}

export const DEFAULTS: Required<Omit<SignalingOptions, 'log' | 'summaryMs' | 'relay' | 'redisUrl'>>;
export function startSignaling(options?: SignalingOptions): Promise<SignalingServer>;
