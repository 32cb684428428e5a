import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeNeeding } from '../support/requirements';

// README's "First ten minutes", run exactly as written: its commands are taken from README.md
// and run against a server process started with the README's own settings. The commands name
// the default ports (3000, 4600), so server and commands share a network namespace of their own,
// where those ports are free whatever else runs on this machine.

const root = resolve(__dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The sh blocks between the walkthrough markers, and the settings of the README's start command. */
function walkthrough(text: string): { commands: string; startEnv: Record<string, string> } {
  const section = text.slice(text.indexOf('## First ten minutes'));
  const begin = section.indexOf('<!-- walkthrough:start -->');
  const end = section.indexOf('<!-- walkthrough:end -->');
  if (begin < 0 || end < begin) throw new Error('README.md has no walkthrough markers under "First ten minutes"');
  const blocks = (part: string) => [...part.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const startLine = blocks(section.slice(0, begin)).join('\n').split('\n').find((line) => /\bnpm start$/.test(line.trim()));
  if (!startLine) throw new Error('README.md "First ten minutes" has no npm start command before the walkthrough');
  const startEnv = Object.fromEntries([...startLine.matchAll(/([A-Z_]+)=(\S+)/g)].map((match) => [match[1]!, match[2]!]));
  return { commands: blocks(section.slice(begin, end)).join('\n'), startEnv };
}

const privateNetwork = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;
const tools = ['curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const needsNamespace = privateNetwork ? undefined : 'root and `unshare -n` (a private network namespace for ports 3000 and 4600)';
const needsTools = tools.length === 0 ? undefined : `${tools.join(' and ')}: apt-get install -y ${tools.join(' ')}`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'readme-walkthrough-'));
});
afterAll(() => process.env.WALKTHROUGH_KEEP || rmSync(dir, { recursive: true, force: true }));

test('when the README walkthrough is extracted, then it has every step and starts with the example command policy', () => {
  const { commands, startEnv } = walkthrough(readme);
  expect(startEnv).toEqual({ COMMAND_POLICY_FILE: 'config/command-policy.example.json' });
  for (const call of ['/v1/auth/register', '/v1/homes', '/_emulator/devices', '/command', '/events', '/v1/notifications']) expect(commands).toContain(call);
});

describeNeeding([needsNamespace, needsTools], 'the README walkthrough', () => {
  test('when the README walkthrough is run as written, then each step succeeds, and a restart keeps the account, home and device', async () => {
    const { commands, startEnv } = walkthrough(readme);
    const server = (log: string) =>
      `env -i PATH="$PATH" HOME="$HOME" NODE_ENV=development LOG_LEVEL=warn DATA_DIR=${dir}/data ` +
      `${Object.entries(startEnv).map(([name, value]) => `${name}=${value}`).join(' ')} ` +
      `${process.execPath} ${join(root, 'node_modules/tsx/dist/cli.mjs')} ${join(root, 'src/server.ts')} >>${dir}/${log} 2>&1 &`;
    // Waits for the server itself, with a deadline as the failure bound.
    const ready = "timeout 180 bash -c 'until curl -sf http://127.0.0.1:3000/readyz >/dev/null; do sleep 0.1; done'";
    const script = [
      'set -euo pipefail',
      'ip link set lo up',
      `cd ${root}`,
      server('server.log'),
      'server=$!',
      "trap 'kill $server 2>/dev/null && wait $server 2>/dev/null; true' EXIT",
      ready,
      `cd ${dir}`,
      'echo "== walkthrough"',
      commands,
      'echo "== restart"',
      'kill -TERM $server; wait $server || true',
      `cd ${root}`,
      server('server-again.log'),
      'server=$!',
      ready,
      'curl -sS --fail-with-body "$API/v1/homes/$HOME_ID/devices" -H "$AUTH" | jq -e --argjson id "$DEVICE_ID" \'map(.id) == [$id]\'',
    ].join('\n');
    writeFileSync(join(dir, 'walkthrough.sh'), script);
    if (process.env.WALKTHROUGH_KEEP) console.log(join(dir, 'walkthrough.sh'));

    const child = spawn('unshare', ['-n', 'bash', join(dir, 'walkthrough.sh')], { env: { PATH: process.env.PATH ?? '', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
    const serverLog = () => ['server.log', 'server-again.log'].map((file) => { try { return readFileSync(join(dir, file), 'utf8'); } catch { return ''; } }).join('\n');

    if (code !== 0) throw new Error(`walkthrough failed (exit ${code}):\n${output}\n--- server:\n${serverLog()}`);
    const walk = output.slice(output.indexOf('== walkthrough'));
    expect(walk).toMatch(/"deviceClass": "thermostat"/); // the claimed device
    expect(walk).toMatch(/^204$/m); // the allowed command
    expect(walk).toContain('"code":"command_not_allowed"'); // the refused one
    expect(walk).toMatch(/"eventType": "temperature"/);
    expect(walk).toMatch(/"notifications"|"title"/);
    expect(output.slice(output.indexOf('== restart'))).toContain('true');
  }, 420_000);
});
