// mf2_bench.mjs - the anchor of tests/bench/mf2_bench: time the npm
// microformats-parser on the same page, the same way (scripts/bench
// section 5, issue 13's parser row).
//
//     node tests/bench/mf2_bench.mjs FILE [N [BASE_URL]]
//
// Parses FILE N times (default 500) after 20 warm-up runs, with BASE_URL
// (default the C bench's, https://alice.example/feed/) as baseUrl, and
// prints one line in mf2_bench's form:
//     mf2_bench.mjs: <bytes> bytes, <items> items, <N> runs, <ms> ms/parse
// FILE is read as bytes and decoded as UTF-8 once, outside the timing:
// `mf2_bench --emit FILE` writes the page the C bench parses by default.
// The parser comes from tests/js/node_modules (npm ci --prefix tests/js),
// or from the node_modules directory IC_NODE_MODULES names.  Exit 2 when
// it is missing or the arguments are wrong, 1 when FILE cannot be read.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const from = process.env.IC_NODE_MODULES
  ? join(process.env.IC_NODE_MODULES, '..', 'mf2-check.mjs')
  : new URL('../js/mf2-check.mjs', import.meta.url);
let mf2;
try {
  ({ mf2 } = createRequire(from)('microformats-parser'));
} catch (e) {
  process.stderr.write('mf2_bench.mjs: microformats-parser is missing ' +
                       '(npm ci --prefix tests/js)\n');
  process.exit(2);
}

const [file, n = '500', baseUrl = 'https://alice.example/feed/'] =
  process.argv.slice(2);
const runs = Number.parseInt(n, 10);
if (!file || !(runs > 0)) {
  process.stderr.write('usage: node mf2_bench.mjs FILE [N [BASE_URL]]\n');
  process.exit(2);
}
let bytes;
try {
  bytes = readFileSync(file);
} catch (e) {
  process.stderr.write(`mf2_bench.mjs: ${e.message}\n`);
  process.exit(1);
}
const html = bytes.toString('utf8');
const parse = () => mf2(html, { baseUrl }).items.length;

let items = 0;
for (let i = 0; i < 20; i++) items = parse();
const t0 = process.hrtime.bigint();
for (let i = 0; i < runs; i++) items = parse();
const ms = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
console.log(`mf2_bench.mjs: ${bytes.length} bytes, ${items} items, ` +
            `${runs} runs, ${ms.toFixed(3)} ms/parse`);
