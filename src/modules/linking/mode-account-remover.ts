import { ModeNotFoundError, type ModeClient } from '../../mode';
import type { ModeAccountRemover } from '../admin/user-lifecycle.service';
import type { ModeProject } from './linking.service';

/** Deletes MODE users with the project's BYOU key; a user MODE no longer has counts as removed. */
export function projectModeAccountRemover(mode: ModeClient, project: ModeProject): ModeAccountRemover {
  return {
    removeModeUser: async (modeUserId) => {
      await mode.deleteUser(project.projectKey, modeUserId).catch((error: unknown) => {
        if (!(error instanceof ModeNotFoundError)) throw error;
      });
    },
  };
}
