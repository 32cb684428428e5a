import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/test-app';

// The served OpenAPI document passes Redocly's recommended rules, so every route added later
// must too: operation IDs, security on every operation, documented headers, typed nullables.

const run = promisify(execFile);
const redocly = resolve(__dirname, '../../node_modules/@redocly/cli/bin/cli.js');

let app: TestApp;
let dir: string;
let document: any;

beforeAll(async () => {
  app = await startTestApp();
  dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
  document = (await app.http.get('/openapi.json')).body;
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

test('when /openapi.json is linted with the recommended rules, then there are no errors', async () => {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  // Offline and quiet: no usage telemetry, no update check.
  const env = { PATH: process.env.PATH ?? '', HOME: dir, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' };
  const result = await run(process.execPath, [redocly, 'lint', file, '--extends', 'recommended', '--format', 'json'], { env, cwd: dir, timeout: 60_000 }).catch(
    (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  const report = JSON.parse(result.stdout) as LintReport;
  const errors = report.problems.filter((problem) => problem.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
  expect(errors).toEqual([]);
  expect(report.totals.errors).toBe(0);
}, 90_000);

test('when operations are listed, then each has a unique operationId and declared security', () => {
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
  const ids = operations.map(({ operation }) => operation.operationId);
  expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { operation } of operations) expect(Array.isArray(operation.security)).toBe(true);
  expect(document.paths['/v1/homes/{homeId}'].get.operationId).toBe('getHomesByHomeId');
  expect(document.paths['/v1/auth/login'].post.security).toEqual([]);
  expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
});

test('when a route accepts service clients, then both schemes are offered and X-On-Behalf-Of is documented', () => {
  const listHomes = document.paths['/v1/homes'].get;
  expect(listHomes.security).toEqual([{ bearer: [] }, { serviceClient: ['homes:read'] }]);
  expect(listHomes.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'X-On-Behalf-Of', required: false }));
  expect(document.components.securitySchemes.serviceClient.flows.clientCredentials.tokenUrl).toBe('/v1/oauth/token');
  expect(document.paths['/v1/me'].get.security).toEqual([{ bearer: [] }]);
});

test('when the stream and the webhook are read, then their headers are documented, and login and refresh list 401', () => {
  expect(document.paths['/v1/events/stream'].get.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'Last-Event-ID' }));
  expect(document.paths['/webhooks/mode/events'].post.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'X-Mode-Signature', required: true }));
  for (const path of ['/v1/auth/login', '/v1/auth/refresh']) {
    expect(document.paths[path].post.responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
  }
});
