/**
 * Where a V8 CPU profile (`bench/run.ts --profile DIR`) spent its time: self time by function and by package, and
 * inclusive time of the functions whose name matches `--match`.
 *
 *   node --import tsx bench/profileSummary.ts FILE.cpuprofile [--top 40] [--match 'revalidate|appendMessages']
 *     [--from S] [--to S] [--timeline]
 *
 * `--from`/`--to` keep the samples between those seconds of the profile (the load's measured window, not its set-up);
 * `--timeline` prints the busy milliseconds of each second, to find that window.
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

function where(node: ProfileNode): string {
  const url = node.callFrame.url.replace(/^file:\/\//, '');
  const modules = url.lastIndexOf('node_modules/');
  const short =
    modules >= 0 ? url.slice(modules + 'node_modules/'.length) : url.replace(/.*\/packages\//, '');
  return short || '(native)';
}

function packageOf(node: ProfileNode): string {
  const url = node.callFrame.url;
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url) ?? /packages\/([^/]+)\//.exec(url);
  if (match?.[1]) return match[1];
  if (url.startsWith('node:')) return 'node';
  return node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : '(native)';
}

function percentRows(totals: Map<string, number>, all: number, top: number): string[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${((100 * us) / all).toFixed(1).padStart(5)} %  ${name}`);
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '40' },
      match: { type: 'string' },
      from: { type: 'string', default: '0' },
      to: { type: 'string', default: 'Infinity' },
      timeline: { type: 'boolean', default: false },
    },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: profileSummary.ts FILE.cpuprofile [--top N] [--match REGEX]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  const from = Number(values.from) * 1e6;
  const to = Number(values.to) * 1e6;
  const busyPerSecond: number[] = [];
  let at = 0;
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (byId.get(id)?.callFrame.functionName !== '(idle)') {
      const second = Math.floor(at / 1e6);
      busyPerSecond[second] = (busyPerSecond[second] ?? 0) + delta;
    }
    if (at >= from && at < to) self.set(id, (self.get(id) ?? 0) + delta);
  }
  if (values.timeline)
    process.stdout.write(
      `busy ms per second:\n${busyPerSecond.map((us, s) => `${String(s).padStart(4)} s ${Math.round((us ?? 0) / 1000)}`).join('\n')}\n\n`,
    );
  const idle = [...self.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((sum, [, us]) => sum + us, 0);
  const all = [...self.values()].reduce((a, b) => a + b, 0) - idle;

  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const matcher = values.match ? new RegExp(values.match) : null;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const name = `${node.callFrame.functionName || '(anonymous)'}  ${where(node)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byPackage.set(packageOf(node), (byPackage.get(packageOf(node)) ?? 0) + us);
    if (!matcher) continue;
    // Each matching function on the sample's stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame.functionName ?? '';
      if (matcher.test(frame) && !seen.has(frame)) {
        seen.add(frame);
        inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
      }
    }
  }
  const top = Number(values.top);
  const out = [
    `busy ${(all / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`,
    '',
    'self time by package:',
    ...percentRows(byPackage, all, 20),
    '',
    'self time by function:',
    ...percentRows(byFunction, all, top),
  ];
  if (matcher) out.push('', `inclusive time of /${values.match}/:`, ...percentRows(inclusive, all, top));
  process.stdout.write(`${out.join('\n')}\n`);
}

main();
