import type { Request } from 'express';

/** Longest User-Agent kept on a session; real ones are far shorter, anything longer is cut. */
const USER_AGENT_MAX = 512;

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

/** Where a request came from (client IP per TRUST_PROXY, User-Agent), for sessions and audit entries. */
export function clientInfo(req: Request): ClientInfo {
  const userAgent = req.get('user-agent')?.slice(0, USER_AGENT_MAX);
  return { ip: req.ip, ...(userAgent ? { userAgent } : {}) };
}
