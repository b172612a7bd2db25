// The JavaScript a first visit downloads before the page works: the scripts index.html loads
// (entry and modulepreloads), gzipped as the server sends them. Fails over the budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_KIB = 300;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const script of new Set(scripts)) {
  const bytes = gzipSync(readFileSync(join(dist, script)), { level: 9 }).length;
  total += bytes;
  console.log(`${(bytes / 1024).toFixed(1).padStart(7)} KiB  ${script}`);
}
const files = new Set(scripts).size;
console.log(`${(total / 1024).toFixed(1).padStart(7)} KiB  initial JavaScript, gzipped (${files} file(s); budget ${BUDGET_KIB} KiB)`);
if (total > BUDGET_KIB * 1024) {
  console.error(`over budget by ${((total - BUDGET_KIB * 1024) / 1024).toFixed(1)} KiB`);
  process.exit(1);
}
