/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, as `npm run bench -- --profile` writes them):
 * self time by package / source area, the functions with the most self time, and the bridge's
 * own functions (dist/src) by total time, callees included.
 * Usage: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return 'node core';
  const own = /\/(dist\/)?(src\/[^/]+(?:\/[^/]+)?)/.exec(url);
  return own ? (own[2] as string) : url;
}

/** The summary of one profile file, as printed lines. */
export function summarizeProfile(file: string, top = 25): string {
  const lines: string[] = [];
  const print = (line: string) => void lines.push(line);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const sampled = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = sampled - idle;

  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, time] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const where = frame.url ? `${frame.url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + time);
    areas.set(area(frame.url), (areas.get(area(frame.url)) ?? 0) + time);
  }
  // Total time: each sample counts once for every distinct own function on its stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const total = new Map<string, number>();
  for (const [id, time] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame || !/\/dist\/src\//.test(frame.url)) continue;
      seen.add(`${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/dist\//, '')}:${frame.lineNumber + 1}`);
    }
    for (const key of seen) total.set(key, (total.get(key) ?? 0) + time);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const ms = (t: number) => `${(t / 1000).toFixed(0).padStart(7)} ms`;
  print(`profile ${file}: ${(sampled / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)\n`);
  print('self time by area:');
  for (const [name, t] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 15)) print(`  ${pct(t)} ${ms(t)}  ${name}`);
  print(`\ntop ${top} functions by self time:`);
  for (const [name, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) print(`  ${pct(t)} ${ms(t)}  ${name}`);
  print(`\ntop ${top} own functions (dist/src) by total time, callees included:`);
  for (const [name, t] of [...total].sort((a, b) => b[1] - a[1]).slice(0, top)) print(`  ${pct(t)} ${ms(t)}  ${name}`);
  return lines.join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
  const file = positionals[0];
  if (!file) {
    console.error('Usage: profile-summary <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  console.log(summarizeProfile(file, Number(values.top ?? 25)));
}

if (require.main === module) main();
