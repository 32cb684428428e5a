import type { RefreshTokens } from './refresh-tokens';

// The one place where a credential change ends a user's sessions (every refresh token of the
// user). Password reset and change call it; a new pair issued afterwards is the only one left.

export interface SessionRevoker {
  endAllSessions(userId: string): Promise<void>;
}

export function refreshTokenRevoker(refreshTokens: Pick<RefreshTokens, 'revokeAllForUser'>): SessionRevoker {
  return { endAllSessions: (userId) => refreshTokens.revokeAllForUser(userId) };
}
