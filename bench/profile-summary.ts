// Prints where a V8 CPU profile (.cpuprofile from `node --cpu-prof`) spends its time: the top
// functions by self time and by file. Usage: node --import tsx bench/profile-summary.ts FILE [N]
import { readFileSync } from 'node:fs';
import { fmt, printTable } from './harness/report.js';

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

const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) =>
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')
    .replace(/^node:/, 'node:')
    .replace(/^$/, '(native)');

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
  const where = shortUrl(url);
  const key = `${functionName || '(anonymous)'}  ${where}${url && lineNumber > 0 ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const pkg = where.startsWith('node_modules/') ? where.split('/').slice(0, 2).join('/') : where;
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
}

const rows = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(top))
    .map(([name, us]) => [name, `${fmt(us / 1000)} ms`, `${fmt((100 * us) / total, 1)} %`]);
console.log(`${file}: ${fmt(total / 1000)} ms sampled`);
printTable('self time by function', ['function  file:line', 'self', 'share'], rows(byFunction));
printTable('self time by file or package', ['file', 'self', 'share'], rows(byFile));
