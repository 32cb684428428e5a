import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/lib/config';
import { CommandPolicy, loadCommandPolicy } from '../../src/modules/policy/command-policy';

function policyFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'policy.json');
  writeFileSync(file, content);
  return file;
}

const policy = new CommandPolicy({
  deviceClasses: {
    lamp: { actions: { name: { roles: ['owner', 'member'], parameters: { text: { type: 'string', optional: false, maxLength: 5, pattern: '[a-z]+' } } } } },
  },
});

test('when the shipped policy is loaded, then it is valid and allows nothing', () => {
  const shipped = loadCommandPolicy();
  expect(shipped.check('lamp', 'owner', { action: 'identify' })).toMatchObject({ allowed: false });
});

test('when the example policy is loaded, then it is valid', () => {
  const example = loadCommandPolicy('config/command-policy.example.json');
  expect(example.check('lamp', 'member', { action: 'switch', parameters: { on: true } })).toEqual({ allowed: true });
});

test.each([
  ['not JSON', '{ deviceClasses: '],
  ['a misspelt key', '{ "deviceClass": {} }'],
  ['an action without roles', '{ "deviceClasses": { "lamp": { "actions": { "switch": {} } } } }'],
  ['an unknown role', '{ "deviceClasses": { "lamp": { "actions": { "switch": { "roles": ["guest"] } } } } }'],
  ['an unknown parameter type', '{ "deviceClasses": { "lamp": { "actions": { "x": { "roles": ["owner"], "parameters": { "p": { "type": "object" } } } } } } }'],
  ['a broken pattern', '{ "deviceClasses": { "lamp": { "actions": { "x": { "roles": ["owner"], "parameters": { "p": { "type": "string", "pattern": "(" } } } } } } }'],
])('when the policy file has %s, then loading fails with a configuration error', (_case, content) => {
  expect(() => loadCommandPolicy(policyFile(content))).toThrow(ConfigError);
});

test('when the file is missing, then loading fails and names the variable', () => {
  expect(() => loadCommandPolicy('/nonexistent/policy.json')).toThrow(/COMMAND_POLICY_FILE/);
});

test('when a string must match a pattern, then the whole value must match', () => {
  expect(policy.check('lamp', 'member', { action: 'name', parameters: { text: 'abc' } })).toEqual({ allowed: true });
  expect(policy.check('lamp', 'member', { action: 'name', parameters: { text: 'ab1' } })).toMatchObject({ allowed: false });
  expect(policy.check('lamp', 'member', { action: 'name', parameters: { text: 'abcdef' } })).toMatchObject({ allowed: false });
});

test('when an action name is an inherited object property, then it is not allowed', () => {
  expect(policy.check('lamp', 'owner', { action: 'constructor' })).toMatchObject({ allowed: false });
  expect(policy.check('__proto__', 'owner', { action: 'toString' })).toMatchObject({ allowed: false });
});
