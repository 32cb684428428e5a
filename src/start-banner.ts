import { relative } from 'node:path';
import type { ResolvedConfig } from './lib/config';
import { devSecretsFile } from './lib/dev-secrets';
import type { Emulator } from './emulator';

// What a person starting the server needs to know, one readable line each: where the API, its
// docs and MODE (or the embedded emulator) are, and where development secrets are kept.

export interface BannerFacts {
  config: ResolvedConfig;
  /** The port actually listened on (PORT=0 picks one). */
  port: number;
  modeUrl: string;
  emulator?: Emulator;
  /** Variables whose development secrets were generated. */
  generatedSecrets: string[];
  envFile?: string;
}

export function startBanner({ config, port, modeUrl, emulator, generatedSecrets, envFile }: BannerFacts): string[] {
  const base = `http://${displayHost(config.http.host)}:${port}`;
  const shown = (file: string) => relative(process.cwd(), file) || file;
  const lines = [
    `mode-bridge is ready (${config.env})`,
    `  API:          ${base}/v1${displayHost(config.http.host) === config.http.host ? '' : `  (listening on ${config.http.host}, every interface)`}`,
    `  API docs:     ${base}/docs  (OpenAPI: ${base}/openapi.json)`,
  ];
  if (emulator) {
    lines.push(`  MODE:         embedded emulator at ${emulator.url}, project ${emulator.projectId}; control API ${emulator.url}/_emulator`);
    lines.push(`  MODE data:    ${shown(config.emulator.stateFile)}`);
  } else {
    lines.push(`  MODE:         ${modeUrl}, project ${config.mode.projectId}`);
  }
  if (generatedSecrets.length > 0) {
    lines.push(`  secrets:      development secrets (${generatedSecrets.join(', ')}) in ${shown(devSecretsFile(config.dataDir))}`);
  }
  lines.push(`  database:     ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${shown(config.dataDir)}`}`);
  if (envFile) lines.push(`  settings:     environment, then ${shown(envFile)}`);
  return lines;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
