import jwt from 'jsonwebtoken';
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { boundedCache } from '../../lib/bounded-cache';
import { UnauthenticatedError } from '../../lib/errors';

// Short-lived JWTs with the algorithm, issuer and audience pinned on both sides. User
// tokens and service tokens carry different audiences, so neither passes for the other.

export const USER_AUDIENCE = 'mode-bridge:app';
export const SERVICE_AUDIENCE = 'mode-bridge:service';
const ALGORITHM = 'HS256';

export interface TokenSettings {
  secret: string;
  issuer: string;
  ttlSeconds: number;
  /** The time in milliseconds (tests move it instead of waiting); default Date.now. */
  now?: () => number;
}

export interface SignedToken {
  token: string;
  expiresIn: number;
}

export interface UserClaims {
  userId: string;
  role: 'user' | 'admin';
}

export interface ServiceClaims {
  clientId: string;
  scopes: string[];
  tokenId: string;
}

interface VerifiedToken {
  audience: string;
  payload: jwt.JwtPayload;
  expiresAtMs: number;
}

export class AccessTokens {
  // Given a string, jsonwebtoken first tries to parse it as a public key on every verify, and
  // that failed parse was a tenth of the CPU of a proxied request; a KeyObject skips it.
  private readonly key: KeyObject;
  private readonly now: () => number;
  /**
   * Tokens that passed verification, by their exact text (signature included, so nothing else
   * can match one), until they expire: an app sends the same token on every call for its whole
   * lifetime, and checking its signature and claims again each time was most of the cost of
   * authenticating a request.
   */
  private readonly verified = boundedCache<string, VerifiedToken>({ max: 10_000, ttlMs: 60 * 60_000 });

  constructor(private readonly settings: TokenSettings) {
    this.key = createSecretKey(Buffer.from(settings.secret, 'utf8'));
    this.now = settings.now ?? Date.now;
  }

  signUser(claims: UserClaims): SignedToken {
    return this.sign({ role: claims.role }, claims.userId, USER_AUDIENCE);
  }

  verifyUser(token: string): UserClaims {
    const payload = this.verify(token, USER_AUDIENCE);
    const role = payload.role === 'admin' ? 'admin' : 'user';
    return { userId: payload.sub as string, role };
  }

  signService(clientId: string, scopes: string[]): SignedToken {
    return this.sign({ scope: scopes.join(' ') }, clientId, SERVICE_AUDIENCE);
  }

  verifyService(token: string): ServiceClaims {
    const payload = this.verify(token, SERVICE_AUDIENCE);
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    return { clientId: payload.sub as string, scopes: scope.split(' ').filter(Boolean), tokenId: String(payload.jti) };
  }

  /** The audience a token claims, read without trusting it, to pick the verifier. */
  audienceOf(token: string): string | undefined {
    const known = this.verified.get(token);
    if (known) return known.audience;
    const decoded = jwt.decode(token, { json: true });
    return typeof decoded?.aud === 'string' ? decoded.aud : undefined;
  }

  private sign(claims: object, subject: string, audience: string): SignedToken {
    const token = jwt.sign({ ...claims, iat: this.nowSeconds() }, this.key, {
      algorithm: ALGORITHM,
      issuer: this.settings.issuer,
      audience,
      subject,
      expiresIn: this.settings.ttlSeconds,
      jwtid: randomUUID(),
    });
    return { token, expiresIn: this.settings.ttlSeconds };
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private verify(token: string, audience: string): jwt.JwtPayload {
    const known = this.verified.get(token);
    if (known?.audience === audience) {
      if (this.now() < known.expiresAtMs) return known.payload;
      this.verified.delete(token);
      throw new UnauthenticatedError('The access token has expired');
    }
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience,
        clockTimestamp: this.nowSeconds(),
      });
      if (typeof payload === 'string' || typeof payload.sub !== 'string') throw new Error('no subject');
      if (typeof payload.exp === 'number') this.verified.set(token, { audience, payload, expiresAtMs: payload.exp * 1000 });
      return payload;
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError;
      throw new UnauthenticatedError(expired ? 'The access token has expired' : 'The access token is not valid');
    }
  }
}
