#!/usr/bin/env node
// The mpk benchmark (issue 7). Plain ESM over the BUILT packages (run
// `pnpm build` first; `pnpm bench` does), timed with mitata's measure().
//
//   node --expose-gc bench/run.mjs [--filter REGEX] [--time-ms N] [--rounds N] [--record FILE] [--no-json]
//
//   --filter REGEX  run only rows whose id matches (the others are reported as filtered out)
//   --time-ms N     minimum measuring time per row and round (default 150, or 100 in the
//                   guest, MPK_IN_GUEST=1; env BENCH_TIME_MS does the same)
//   --rounds N      measure every row N times, interleaved, and pool the samples (default 3,
//                   or 2 in the guest; env BENCH_ROUNDS): a burst of noise on a shared
//                   machine then hits one round of one row, not the whole row
//   --record FILE   write the path of the JSON result into FILE (scripts/bench.sh uses it)
//   --no-json       print only; write nothing to bench/results/
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure } from 'mitata';
import { buildCases } from './cases.mjs';
import { detectEnvironment } from './env.mjs';
import { computeRatios, renderRun } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values: args } = parseArgs({
  options: {
    filter: { type: 'string' },
    'time-ms': { type: 'string' },
    rounds: { type: 'string' },
    record: { type: 'string' },
    'no-json': { type: 'boolean', default: false },
  },
});

async function load(pkg) {
  const entry = join(root, 'packages', pkg, 'dist', 'index.js');
  try {
    return await import(entry);
  } catch (error) {
    console.error(`bench: cannot load ${relative(root, entry)} (${error.message}); run \`pnpm build\` first`);
    process.exit(2);
  }
}

const pkru = await load('mpk-pkru');
const sys = await load('mpk-sys');
const core = await load('mpk-core');

/** The addon under mpk-pkru's TypeScript layer, to show what that layer costs. */
function loadRawPkru() {
  try {
    const { binding } = createRequire(join(root, 'packages', 'mpk-pkru', 'package.json'))('./binding.cjs');
    return binding && typeof binding.update === 'function' ? binding : null;
  } catch {
    return null;
  }
}

const environment = detectEnvironment(pkru);
const inGuest = environment.name === 'emulated-guest';
const timeMs = Number(args['time-ms'] ?? process.env.BENCH_TIME_MS ?? (inGuest ? 100 : 150));
const rounds = Number(args.rounds ?? process.env.BENCH_ROUNDS ?? (inGuest ? 2 : 3));
if (!(timeMs > 0) || !Number.isInteger(rounds) || rounds < 1) {
  console.error('bench: --time-ms wants a positive number and --rounds a positive integer');
  process.exit(2);
}
// mitata batches any op under 65 us into 4096 calls per sample. Under TCG a
// WRPKRU alone takes tens of microseconds (QEMU flushes its software TLB), so
// the guest takes smaller batches and fewer minimum samples to stay in budget.
const mitataOptions = inGuest
  ? { min_cpu_time: timeMs * 1e6, batch_samples: 128, min_samples: 8 }
  : { min_cpu_time: timeMs * 1e6 };
const filter = args.filter ? new RegExp(args.filter) : null;

// Keys first, all of them: keys(max) allocates once per process, and a pool
// built later gets only as many stripes as that first call allocated.
let keys = [];
let keysReason = environment.reason;
if (environment.pkru) {
  if (core.isSupported()) keys = core.keys(15);
  if (keys.length === 0) keysReason = `no protection keys: ${core.supportStatus().reason}`;
}

const cases = buildCases({ pkru, sys, core, rawPkru: loadRawPkru(), keys });

function skipReason(c) {
  if (filter && !filter.test(c.id)) return `filtered out by --filter ${args.filter}`;
  if (c.needs === 'pkru' && !environment.pkru) return `needs the PKRU register: ${environment.reason}`;
  if (c.needs === 'keys' && keys.length === 0) {
    return environment.pkru ? `needs a protection key: ${keysReason}` : `needs the PKRU register and keys: ${environment.reason}`;
  }
  return c.skipIf?.() ?? null;
}

const started = Date.now();
const active = [];
const rows = cases.map((c) => {
  const base = { id: c.id, group: c.group, label: c.label };
  const reason = skipReason(c);
  if (reason !== null) return { ...base, status: 'skipped', where: null, reason };
  active.push(c);
  return base;
});

// A warm-up pass first, so that no row's first samples pay for V8 compiling the
// code under it (slow in the guest, where V8's compiler threads are emulated too).
for (const c of active) {
  const { fn, cleanup } = c.prepare();
  try {
    const until = performance.now() + timeMs / 4;
    do fn();
    while (performance.now() < until);
  } finally {
    cleanup?.();
  }
}

// Every round runs every active row once, in order; the samples of all rounds are pooled.
const samples = new Map(active.map((c) => [c.id, []]));
const iterations = new Map(active.map((c) => [c.id, 0]));
const layouts = new Map();
for (let round = 1; round <= rounds; round++) {
  process.stderr.write(`bench: round ${round}/${rounds}:`);
  for (const c of active) {
    const { fn, cleanup, layout } = c.prepare();
    let stats;
    try {
      stats = await measure(fn, mitataOptions);
    } finally {
      cleanup?.();
    }
    samples.get(c.id).push(...stats.samples);
    iterations.set(c.id, iterations.get(c.id) + stats.ticks);
    if (layout) layouts.set(c.id, layout);
    process.stderr.write('.');
  }
  process.stderr.write('\n');
}

const quantile = (sorted, q) => sorted[Math.round(q * (sorted.length - 1))];
for (const row of rows) {
  if (!samples.has(row.id)) continue;
  const sorted = samples.get(row.id).sort((a, b) => a - b);
  const layout = layouts.get(row.id);
  Object.assign(row, {
    status: 'ran',
    where: environment.name,
    median_ns: quantile(sorted, 0.5),
    p25_ns: quantile(sorted, 0.25),
    p75_ns: quantile(sorted, 0.75),
    min_ns: sorted[0],
    samples: sorted.length,
    iterations: iterations.get(row.id),
    ...(layout ? { layout: { slots: layout.slots, stripes: layout.stripes, slotBytes: layout.slotBytes, totalBytes: layout.totalBytes, keys: layout.keys } } : {}),
  });
}

// Ratios are measured once more, paired: batches of the two rows alternate
// (each batch about 1 ms on a host, 5 ms in the guest) and the ratio of each
// pair is kept; the median of those is the ratio reported. Load that comes and
// goes on a shared machine then hits both sides of a pair alike, where two
// medians taken seconds apart can drift apart (this matters most in the guest,
// whose slow rows take few samples).
const byId = new Map(cases.map((c) => [c.id, c]));
const rowById = new Map(rows.map((row) => [row.id, row]));
/** A timing loop of its own per function, so every call site stays monomorphic (as in mitata). */
function timer() {
  return new Function('fn', 'n', 'now', 'const t0 = now(); for (let i = 0; i < n; i++) fn(); return now() - t0;');
}
const now = () => performance.now() * 1e6;
async function pairedRatio(numId, denId) {
  const num = rowById.get(numId);
  const den = rowById.get(denId);
  if (num?.status !== 'ran' || den?.status !== 'ran') return null;
  const batchNs = inGuest ? 5e6 : 1e6;
  const a = byId.get(numId).prepare();
  const b = byId.get(denId).prepare();
  const na = Math.max(1, Math.round(batchNs / num.median_ns));
  const nb = Math.max(1, Math.round(batchNs / den.median_ns));
  const [ta, tb] = [timer(), timer()];
  const ratios = [];
  try {
    ta(a.fn, na, now);
    tb(b.fn, nb, now);
    const deadline = now() + timeMs * 1e6;
    while (ratios.length < 8 || (now() < deadline && ratios.length < 400)) {
      const first = ratios.length % 2 === 0;
      const x = first ? ta(a.fn, na, now) : 0;
      const y = tb(b.fn, nb, now);
      const z = first ? x : ta(a.fn, na, now);
      ratios.push(z / na / (y / nb));
    }
  } finally {
    a.cleanup?.();
    b.cleanup?.();
  }
  ratios.sort((p, q) => p - q);
  return { value: quantile(ratios, 0.5), p25: quantile(ratios, 0.25), p75: quantile(ratios, 0.75), pairs: ratios.length };
}
const ratios = computeRatios(rows);
process.stderr.write('bench: paired ratios:');
for (const ratio of ratios) {
  const paired = await pairedRatio(ratio.num, ratio.den);
  if (paired === null) continue;
  ratio.of_medians = ratio.value;
  ratio.value = paired.value;
  ratio.paired = paired;
  if (ratio.max !== undefined) ratio.met = ratio.value <= ratio.max;
  if (ratio.min !== undefined) ratio.met = ratio.value >= ratio.min;
  process.stderr.write('.');
}
process.stderr.write('\n');

const mitataVersion = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('mitata/package.json'), 'utf8')).version;
const result = {
  schema: 'mpk-bench/1',
  timestamp: new Date(started).toISOString(),
  elapsed_s: (Date.now() - started) / 1000,
  environment,
  tool: { name: 'mitata', version: mitataVersion, options: { ...mitataOptions }, rounds, statistic: 'median of the per-sample ns/op of all rounds pooled' },
  loadavgAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
  keys: keys.map((k) => k.id),
  rows,
  ratios,
};

console.log(renderRun(result));

if (!args['no-json']) {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${environment.name}-${result.timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${relative(process.cwd(), file)}`);
  if (args.record) writeFileSync(args.record, `${file}\n`);
}
