import { projectModeAccountRemover } from '../../src/modules/linking/mode-account-remover';
import { unwiredModeAccountRemover, type ModeAccountRemover } from '../../src/modules/admin/user-lifecycle.service';
import { ModeClient } from '../../src/mode';
import type { ScriptEnvironment } from './database';

// The MODE side of `user delete`, from the same configuration as the server. Without a MODE
// project key, deleting a user who has a MODE counterpart is refused (the user stays disabled)
// rather than leaving an orphan in MODE.
export function modeAccountRemoverFor(env: ScriptEnvironment): ModeAccountRemover {
  const { projectKey, projectId, apiUrl, timeoutMs } = env.config.mode;
  if (!projectKey || !projectId) return unwiredModeAccountRemover;
  const mode = new ModeClient({ baseUrl: apiUrl, responseTimeoutMs: timeoutMs, connections: 2 });
  const remover = projectModeAccountRemover(mode, { projectKey, projectId });
  return {
    removeModeUser: async (modeUserId) => {
      try {
        await remover.removeModeUser(modeUserId);
      } finally {
        await mode.close();
      }
    },
  };
}
