import { unwiredModeAccountRemover, type ModeAccountRemover } from '../../src/modules/admin/user-lifecycle.service';
import type { ScriptEnvironment } from './database';

// The MODE side of `user delete`. The server gets its remover through buildServices; scripts get
// theirs here, from the same configuration. Until MODE removal is wired, deleting a user who has a
// MODE counterpart is refused (the user is left disabled) rather than leaving an orphan in MODE.
export function modeAccountRemoverFor(_env: ScriptEnvironment): ModeAccountRemover {
  return unwiredModeAccountRemover;
}
