import type { RefreshTokens } from './refresh-tokens';

// The one place where a credential change ends a user's sessions (every refresh token of the
// user). Password reset and change call it; a new pair issued afterwards is the only one left.

export interface SessionRevoker {
  endAllSessions(userId: string): Promise<void>;
}

export function refreshTokenRevoker(refreshTokens: Pick<RefreshTokens, 'revokeAllForUser'>): SessionRevoker {
  return {
    endAllSessions: async (userId) => {
      await refreshTokens.revokeAllForUser(userId);
    },
  };
}

/** Also ends what third-party apps hold for the user (their OAuth grants and tokens). */
export function credentialChangeRevoker(sessions: SessionRevoker, revokeApps: (userId: string) => Promise<unknown>): SessionRevoker {
  return {
    endAllSessions: async (userId) => {
      await sessions.endAllSessions(userId);
      await revokeApps(userId);
    },
  };
}
