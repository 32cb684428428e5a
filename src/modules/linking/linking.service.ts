import { boundedCache } from '../../lib/bounded-cache';
import type { Logger } from '../../lib/logger';
import { ServiceUnavailableError, UpstreamUnavailableError } from '../../lib/errors';
import type { SealedValue, SecretBox } from '../../lib/secret-box';
import { ModeClient, ModeError, ModeForbiddenError, ModeNotFoundError, ModeUnauthorizedError } from '../../mode';
import type { AccountLinker } from '../auth/auth.service';
import type { LinksRepository } from './links.repository';

// Links local users to MODE as the BYOU guide describes: POST /users, then POST /auth/user,
// both with the project key; the MODE user ID and the sealed key are stored. A failure leaves
// the link pending; it is retried in the background and on the user's next MODE call.

export interface ModeProject {
  projectId: number;
  projectKey: string;
}

export interface LinkedAccount {
  userId: string;
  modeUserId: number;
  key: string;
}

const MAX_RETRY_DELAY_MS = 60 * 60_000;
const FIRST_RETRY_DELAY_MS = 5_000;

function retryDelayMs(attempts: number, random = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.min(attempts, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

// Linked accounts are read on every proxied call; keeping them briefly in memory spares a query
// and a decryption each time. A key MODE revoked meanwhile is caught by withUserKey's retry.
const ACCOUNT_CACHE_TTL_MS = 60_000;

export class LinkingService implements AccountLinker {
  private readonly inFlight = new Map<string, Promise<LinkedAccount>>();
  private readonly accounts = boundedCache<string, LinkedAccount>({ max: 50_000, ttlMs: ACCOUNT_CACHE_TTL_MS });

  constructor(
    private readonly links: LinksRepository,
    private readonly mode: ModeClient,
    private readonly project: ModeProject,
    private readonly secretBox: SecretBox,
    private readonly logger: Logger,
  ) {}

  async tryLink(userId: string): Promise<void> {
    await this.ensureLinked(userId).catch(() => undefined);
  }

  /** The user's MODE identity and key, completing a pending link on the spot. */
  async ensureLinked(userId: string): Promise<LinkedAccount> {
    const cached = this.accounts.get(userId);
    if (cached) return cached;
    const link = await this.links.find(userId);
    if (link?.status === 'linked' && link.modeUserId !== null && link.sealedKey) {
      return this.remember({ userId, modeUserId: link.modeUserId, key: this.openKey(link.sealedKey) });
    }
    return this.singleFlight(userId, () => this.completeLink(userId));
  }

  /** A key sealed with an encryption key this server lacks is an operator's problem: 503, not 500. */
  private openKey(sealed: SealedValue): string {
    if (!this.secretBox.canOpen(sealed.keyId)) {
      throw new ServiceUnavailableError('Your MODE access cannot be opened by this server (its encryption key is not configured); an operator has been told');
    }
    return this.secretBox.open(sealed);
  }

  /** Drops what this instance remembers of a user's link (after a delete or a key change elsewhere). */
  forget(userId: string): void {
    this.accounts.delete(userId);
  }

  private remember(account: LinkedAccount): LinkedAccount {
    this.accounts.set(account.userId, account);
    return account;
  }

  /** Runs a MODE call with the user's key; when MODE says the key is no longer valid, gets a new one and tries once more. */
  async withUserKey<T>(userId: string, call: (key: string, account: LinkedAccount) => Promise<T>): Promise<T> {
    const account = await this.ensureLinked(userId);
    try {
      return await call(account.key, account);
    } catch (error) {
      if (!(error instanceof ModeUnauthorizedError)) throw error;
      this.logger.warn({ userId }, 'MODE refused the stored user key; issuing a new one');
      this.forget(userId);
      const renewed = await this.reissueKey(userId);
      return call(renewed.key, renewed);
    }
  }

  async reissueKey(userId: string): Promise<LinkedAccount> {
    const link = await this.links.find(userId);
    if (!link || link.modeUserId === null) return this.ensureLinked(userId);
    const modeUserId = link.modeUserId;
    let issued;
    try {
      issued = await this.mode.issueUserKey(this.project.projectKey, this.project.projectId, modeUserId);
    } catch (error) {
      if (!modeUserGone(error)) throw error;
      return this.relink(userId, modeUserId);
    }
    await this.links.saveKey(userId, this.secretBox.seal(issued.token));
    return this.remember({ userId, modeUserId, key: issued.token });
  }

  /**
   * MODE no longer has the user (its data was lost, or the user was deleted there): the account
   * gets a new MODE user, instead of every call being refused for good. Its homes in MODE went
   * with the old user, so what the bridge knew of them is dropped.
   */
  private async relink(userId: string, lostModeUserId: number): Promise<LinkedAccount> {
    this.logger.warn({ userId, modeUserId: lostModeUserId }, 'MODE no longer knows this user; linking the account to a new MODE user');
    this.forget(userId);
    await this.links.forgetModeUser(userId, lostModeUserId);
    return this.singleFlight(userId, () => this.completeLink(userId));
  }

  /** One pass of the background retry: links that are due. Returns how many were tried. */
  async linkDue(limit: number): Promise<number> {
    const due = await this.links.findDue(limit);
    await Promise.all(due.map((userId) => this.tryLink(userId)));
    return due.length;
  }

  private async completeLink(userId: string): Promise<LinkedAccount> {
    const link = await this.links.acquireLease(userId);
    if (!link) {
      if (!(await this.links.find(userId))) throw new Error(`user ${userId} has no MODE link row`);
      throw new UpstreamUnavailableError('Your account is being connected to MODE; try again in a moment');
    }
    // Saving the key and recording a failure both give the lease up in the same statement.
    let leaseHeld = true;
    try {
      if (link.status === 'linked' && link.modeUserId !== null && link.sealedKey) {
        return { userId, modeUserId: link.modeUserId, key: this.openKey(link.sealedKey) };
      }
      let modeUserId = link.modeUserId;
      if (modeUserId === null) {
        modeUserId = (await this.mode.createUser(this.project.projectKey, this.project.projectId)).id;
        await this.links.saveModeUser(userId, modeUserId);
      }
      const issued = await this.mode.issueUserKey(this.project.projectKey, this.project.projectId, modeUserId);
      await this.links.saveKey(userId, this.secretBox.seal(issued.token));
      leaseHeld = false;
      this.logger.info({ userId, modeUserId }, 'user linked to MODE');
      return this.remember({ userId, modeUserId, key: issued.token });
    } catch (error) {
      // Nobody else changes the link while the lease is held, so its count is still the one read.
      const attempts = link.attempts + 1;
      const retryAt = new Date(Date.now() + retryDelayMs(attempts));
      await this.links.recordFailure(userId, describe(error), retryAt);
      leaseHeld = false;
      this.logger.warn({ userId, attempts, retryAt, error: describe(error) }, 'linking to MODE failed; will retry');
      if (error instanceof ModeError) throw new UpstreamUnavailableError('Your account is not connected to MODE yet and MODE cannot be reached; try again later');
      throw error;
    } finally {
      if (leaseHeld) await this.links.releaseLease(userId);
    }
  }

  private singleFlight(userId: string, work: () => Promise<LinkedAccount>): Promise<LinkedAccount> {
    const running = this.inFlight.get(userId);
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(userId));
    this.inFlight.set(userId, started);
    return started;
  }
}

/** MODE's answers to issuing a key for a user it does not have. */
function modeUserGone(error: unknown): boolean {
  return error instanceof ModeNotFoundError || (error instanceof ModeForbiddenError && error.reason === 'USER_NOT_FOUND');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
