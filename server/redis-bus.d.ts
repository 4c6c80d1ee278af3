export interface RedisBusOptions {
	/** Called with each message another node published on a joined topic. */
	deliver(topic: string, message: Buffer): void;
	log?: (line: string) => void;
	/** Channel prefix (signaling's `cp:sig:` by default). */
	prefix?: string;
	/** Who speaks in the log lines ('signaling' by default). */
	what?: string;
	/** The subscriber is back after losing its connection; what was published meanwhile is lost. */
	reconnected?: () => void;
}

export interface RedisBus {
	/** This node's id (hex), which its messages carry. */
	id: string;
	/** Resolves once Redis confirms the subscription (or after 2 s while it is away). */
	join(topic: string): Promise<void>;
	leave(topic: string): void;
	publish(topic: string, message: Buffer): void;
	stats(): { redis: boolean; published: number; received: number; failed: number };
	close(): Promise<void>;
}

/** How a node connects to Redis (fail fast while it is away, keep reconnecting). */
export const REDIS_OPTIONS: {
	retryStrategy(times: number): number;
	maxRetriesPerRequest: number;
	enableOfflineQueue: boolean;
	lazyConnect: boolean;
};

export function redisBus(url: string, options: RedisBusOptions): Promise<RedisBus>;
