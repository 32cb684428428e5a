import { ConfigError } from '../../src/lib/config';
import { secretBoxFor } from '../../src/lib/secret-box';
import { ModeClient } from '../../src/mode';
import { LinksRepository } from '../../src/modules/linking/links.repository';
import { LinkingService, type ModeProject } from '../../src/modules/linking/linking.service';
import type { ScriptEnvironment } from './database';

// Scripts reach MODE exactly as the server does: the configured API URL and BYOU project key.
// The embedded emulator lives inside a running server, so scripts need a real MODE_PROJECT_KEY.

export interface ScriptMode {
  mode: ModeClient;
  project: ModeProject;
  linking: LinkingService;
  close(): Promise<void>;
}

export function modeProjectFor(env: ScriptEnvironment): ModeProject {
  const { projectKey, projectId } = env.config.mode;
  if (!projectKey || !projectId) {
    throw new ConfigError('This script talks to MODE: set MODE_API_URL, MODE_PROJECT_ID and MODE_PROJECT_KEY (the embedded emulator only runs inside the server).');
  }
  return { projectKey, projectId };
}

export function openScriptMode(env: ScriptEnvironment): ScriptMode {
  const project = modeProjectFor(env);
  const mode = new ModeClient({ baseUrl: env.config.mode.apiUrl, responseTimeoutMs: env.config.mode.timeoutMs, connections: 16 });
  const secretBox = secretBoxFor(env.config.encryption);
  const linking = new LinkingService(new LinksRepository(env.db.prisma), mode, project, secretBox, env.logger);
  return { mode, project, linking, close: () => mode.close() };
}
