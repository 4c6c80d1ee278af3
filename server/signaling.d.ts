export interface SignalingOptions {
	host?: string;
	port?: number;
	maxPayload?: number;
	maxTopicsPerConnection?: number;
	maxTopicLength?: number;
	messagesPerSecond?: number;
	burst?: number;
	heartbeatMs?: number;
	summaryMs?: number;
	log?: (line: string) => void;
}

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
}

export interface SignalingServer {
	port: number;
	url: string;
	stats(): SignalingStats;
	close(): Promise<void>;
}

export const DEFAULTS: Required<Omit<SignalingOptions, 'log' | 'summaryMs'>>;
export function startSignaling(options?: SignalingOptions): Promise<SignalingServer>;
