import { Agent, request } from 'undici';
import { z } from 'zod';
import type { Logger } from '../../lib/logger';

// Asks the system a company moves from whether an e-mail and password are right
// (LEGACY_AUTH_URL): POST {email, password} as JSON. Only a 200 with a JSON object answer is a
// yes; anything else, no answer in time, a redirect (never followed) or an unverifiable TLS
// certificate is a no. The old system's answer body is read, bounded, but never logged or shown.

export interface LegacyAuthSettings {
  url: string;
  timeoutMs: number;
  /** Sent as `Authorization: Bearer <token>` when set, so the old system can refuse anyone else. */
  token?: string;
}

export interface LegacyAccount {
  name: string;
  emailVerified: boolean;
}

export type LegacyRefusal = 'refused' | 'redirected' | 'malformed' | 'timeout' | 'unreachable';

export type LegacyAnswer = { accepted: true; account: LegacyAccount } | { accepted: false; reason: LegacyRefusal; status?: number };

/** Past this, an answer is garbage: a yes carries a name and a flag, nothing more. */
const MAX_ANSWER_BYTES = 16 * 1024;
const NAME_MAX_LENGTH = 200;

const Accepted = z.object({
  name: z.string().nullish(),
  emailVerified: z.boolean().nullish(),
});

export class LegacyAuthClient {
  private readonly agent: Agent;

  constructor(
    private readonly settings: LegacyAuthSettings,
    private readonly logger: Logger,
  ) {
    // rejectUnauthorized is undici's default; written out because verifying the old system's
    // certificate is what keeps passwords from going to an impostor.
    this.agent = new Agent({ connect: { timeout: settings.timeoutMs, rejectUnauthorized: true }, headersTimeout: settings.timeoutMs, bodyTimeout: settings.timeoutMs, connections: 16 });
  }

  async check(email: string, password: string): Promise<LegacyAnswer> {
    const started = Date.now();
    const answer = await this.ask(email, password);
    const took = Date.now() - started;
    if (answer.accepted) this.logger.info({ tookMs: took }, 'legacy login check: accepted');
    else this.logger[answer.reason === 'refused' ? 'info' : 'warn']({ reason: answer.reason, status: answer.status, tookMs: took }, 'legacy login check: not accepted');
    return answer;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async ask(email: string, password: string): Promise<LegacyAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'mode-bridge' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    let response;
    try {
      response = await request(this.settings.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email, password }),
        dispatcher: this.agent,
        // The whole exchange, queueing for a connection included.
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      return { accepted: false, reason: transportReason(error) };
    }
    const status = response.statusCode;
    let text: string | undefined;
    try {
      text = await readBounded(response.body);
    } catch (error) {
      return { accepted: false, reason: transportReason(error), status };
    }
    if (status >= 300 && status < 400) return { accepted: false, reason: 'redirected', status };
    if (status !== 200) return { accepted: false, reason: 'refused', status };
    const account = text === undefined ? undefined : accountOf(text);
    return account ? { accepted: true, account } : { accepted: false, reason: 'malformed', status };
  }
}

/** The body as text, or undefined beyond MAX_ANSWER_BYTES (the rest is discarded unread). */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function accountOf(text: string): LegacyAccount | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = Accepted.safeParse(value);
  if (!parsed.success) return undefined;
  const name = (parsed.data.name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, NAME_MAX_LENGTH);
  return { name, emailVerified: parsed.data.emailVerified === true };
}

function transportReason(error: unknown): LegacyRefusal {
  // The abort signal's reason is a DOMException named TimeoutError (its numeric code is DOM's).
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'unreachable';
}
