import { NotFoundError } from '../../lib/errors';
import type { AuditRepository } from '../audit/audit.repository';
import type { RefreshTokens } from './refresh-tokens';
import type { SessionsRepository } from './sessions.repository';

// A user's sessions: one per refresh-token family, started by a login or a registration and
// kept alive by refreshes. Ending a session revokes its refresh tokens at once; access tokens
// already issued to it run out on their own (ACCESS_TOKEN_TTL_SECONDS).

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  ip: string | null;
  /** The session of the access token that asked. */
  current: boolean;
}

export interface SessionCaller {
  userId: string;
  /** The `sid` of the caller's access token. */
  sessionId?: string;
  ip?: string;
}

export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly refreshTokens: RefreshTokens,
    private readonly audit: AuditRepository,
  ) {}

  async list(caller: SessionCaller): Promise<SessionView[]> {
    const sessions = await this.sessions.listActive(caller.userId);
    return sessions.map((session) => ({
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === caller.sessionId,
    }));
  }

  /** Ends one of the caller's sessions; ending one that has already ended changes nothing. */
  async end(caller: SessionCaller, sessionId: string): Promise<void> {
    const session = await this.sessions.find(caller.userId, sessionId);
    if (!session) throw new NotFoundError('No such session');
    await this.refreshTokens.revokeFamily(session.id);
    await this.audit.record({ actorType: 'user', actorId: caller.userId, action: 'auth.session_end', targetType: 'session', targetId: session.id, result: 'success', ip: caller.ip });
  }

  /** Logout everywhere: every session of the caller ends, the current one included. */
  async endAll(caller: SessionCaller): Promise<void> {
    const ended = await this.revokeAllSessions(caller.userId);
    await this.audit.record({ actorType: 'user', actorId: caller.userId, action: 'auth.logout_all', targetType: 'user', targetId: caller.userId, result: 'success', ip: caller.ip, details: { sessions: ended } });
  }

  /**
   * Revokes every session (refresh-token family) of a user, but `except` when given (the session
   * a password change has just started). For the flows that must sign a user out everywhere:
   * password reset and change, logout-all. Returns how many sessions ended.
   */
  revokeAllSessions(userId: string, options: { except?: string } = {}): Promise<number> {
    return this.refreshTokens.revokeAllForUser(userId, options.except);
  }
}
