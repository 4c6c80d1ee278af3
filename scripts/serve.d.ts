import type { Server } from 'node:http';

export function serve(options: {
	root: string;
	port: number;
	host?: string;
	quiet?: boolean;
}): Promise<Server>;

export const SECURITY_HEADERS: Readonly<Record<string, string>>;
