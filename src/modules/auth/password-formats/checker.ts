import { readStoredHash } from './index';

/**
 * Checks hashes before they are stored (the import) as the login path will read them: the text
 * rules, then one real verification per parameter shape, so that a hash the library refuses is
 * reported now rather than at the user's first login. Once per shape, not per row: a check
 * costs as much as a login.
 */
export class PasswordHashChecker {
  private readonly shapes = new Map<string, string | undefined>();

  /** The hash's format, or why it cannot be stored. */
  check(hash: string): { format: string } | { problem: string } {
    const stored = readStoredHash(hash);
    if (!stored.ok) return { problem: stored.problem };
    if (!this.shapes.has(stored.shape)) this.shapes.set(stored.shape, probe(stored.format, () => stored.verify('mode-bridge import probe')));
    const problem = this.shapes.get(stored.shape);
    return problem === undefined ? { format: stored.format } : { problem };
  }
}

function probe(format: string, verify: () => boolean): string | undefined {
  try {
    verify();
    return undefined;
  } catch (error) {
    return `rejected by the ${format} verifier: ${error instanceof Error ? error.message : String(error)}`;
  }
}
