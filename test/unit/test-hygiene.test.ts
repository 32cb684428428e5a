import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

// The suite's own rules, checked on every run so they cannot come back: no focused tests, no
// skipped test without a reason, no test without an assertion, no assertion on elapsed time.

const root = join(__dirname, '..');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
// This file is the checker: its samples of broken tests are strings, not tests.
const testFiles = files(root).filter((path) => path.endsWith('.test.ts') && path !== __filename);

interface Finding {
  file: string;
  line: number;
  rule: string;
}

const TEST_CALLS = new Set(['it', 'test']);
const FOCUSED = /^(f(it|describe)|(it|test|describe)\.only)$/;
const SKIPPED = /^(x(it|describe|test)|(it|test|describe)\.skip)$/;
const ELAPSED_TIME = /expect\(\s*(Date\.now\(\)|performance\.now\(\))\s*-/;
/** A reason for a skip: a comment on the line above, `// skip: <why>`. */
const SKIP_REASON = /\/\/\s*skip:\s*\S/;

function calleeName(node: ts.Expression): string {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return `${calleeName(node.expression)}.${node.name.text}`;
  if (ts.isCallExpression(node)) return calleeName(node.expression); // test.each(...)(...)
  return '';
}

/** True when the body asserts: `expect`, or a helper named expect…/assert…. */
function asserts(body: ts.Node): boolean {
  let found = false;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (ts.isIdentifier(node) && /^(expect|assert)/.test(node.text)) found = true;
    else ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

function inspect(path: string): Finding[] {
  return inspectText(path, readFileSync(path, 'utf8'));
}

function inspectText(path: string, text: string): Finding[] {
  const lines = text.split('\n');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const file = relative(root, path);
  const findings: Finding[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      const line = lineOf(node);
      if (FOCUSED.test(name)) findings.push({ file, line, rule: `focused test (${name})` });
      if (SKIPPED.test(name) && !SKIP_REASON.test(lines[line - 2] ?? '')) findings.push({ file, line, rule: `${name} without a "// skip: <reason>" comment above it` });
      const base = name.split('.')[0] ?? '';
      const body = node.arguments.find((arg) => ts.isArrowFunction(arg) || ts.isFunctionExpression(arg));
      if (TEST_CALLS.has(base) && !name.endsWith('.todo') && body && !asserts(body)) findings.push({ file, line, rule: 'test without an assertion' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  lines.forEach((text, index) => {
    if (ELAPSED_TIME.test(text)) findings.push({ file, line: index + 1, rule: 'assertion on elapsed wall time' });
  });
  return findings;
}

describe('the test suite itself', () => {
  it('finds the test files', () => {
    expect(testFiles.length).toBeGreaterThan(40);
  });

  it('has no focused or unexplained skipped tests, no test without an assertion and no assertion on elapsed time', () => {
    const findings = testFiles.flatMap(inspect).map((f) => `${f.file}:${f.line} ${f.rule}`);
    expect(findings).toEqual([]);
  });

  it('when a file breaks a rule, then the check reports it', () => {
    const sample = join(root, 'unit', '__hygiene-sample__.ts');
    const text = [
      "it.only('focused', () => { expect(1).toBe(1); });",
      "test.skip('skipped', () => { expect(1).toBe(1); });",
      "it('asserts nothing', async () => { await Promise.resolve(); });",
      "it('times', () => { const t = Date.now(); expect(Date.now() - t).toBeLessThan(5); });",
      '// skip: needs hardware we do not have',
      "it.skip('explained', () => { expect(1).toBe(1); });",
    ].join('\n');
    const findings = inspectText(sample, text);
    expect(findings.map((f) => `${f.line} ${f.rule}`)).toEqual([
      '1 focused test (it.only)',
      '2 test.skip without a "// skip: <reason>" comment above it',
      '3 test without an assertion',
      '4 assertion on elapsed wall time',
    ]);
  });
});
