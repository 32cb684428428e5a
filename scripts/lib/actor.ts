import { userInfo } from 'node:os';
import type { AdminActor } from '../../src/modules/admin/user-lifecycle.service';

/** Who acts when a script runs: an administrator without a user ID, named by the OS account. */
export function cliActor(): AdminActor {
  let operator: string | undefined;
  try {
    operator = userInfo().username;
  } catch {
    operator = process.env.USER; // containers may run under a UID without a passwd entry
  }
  return { userId: null, via: 'cli', operator };
}
