/**
 * The tagging property under real PKU (issue 9): random sequences of
 * key.protect(), key.reprotect(), mpk-sys pkeyMprotect() and mprotect() over
 * random page ranges of a Region, valid or not (unaligned views, freed
 * Regions, freed and unallocated keys, wrong types). After every call,
 * /proc/self/smaps must show exactly what a model of the pages says: a call
 * that succeeded changed the key and protection of exactly the pages it was
 * given; one that threw (with a code) changed nothing; and the pages around
 * the ones the calls may touch keep key 0 and read-write throughout.
 *
 * Lean on purpose: reading smaps costs tens of milliseconds in the emulated
 * guest, and it is read after every call. The host suites carry the bulk of
 * the fuzzing (fuzz.test.ts in each package).
 */
import fc from 'fast-check';
import * as sys from 'mpk-sys';
import { afterAll, describe, expect, it } from 'vitest';
import { CallCounter, reportFuzzCalls, showArgs } from '../../../test-support/reliability.js';
import { readSmaps } from '../../../test-support/smaps.js';
import { allocate, keys, type ProtectionKey, type Region } from '../src/index.js';

const PAGE = sys.pageSize();
const SCALE = Number(process.env.MPK_FUZZ_SCALE ?? 1) || 1;
const RUNS = 24 * SCALE;
/** Pages the calls may touch; one more on each side must never change. */
const PAGES = 10;
const RW = sys.PROT_READ | sys.PROT_WRITE;
const PROTS = [sys.PROT_NONE, sys.PROT_READ, RW] as const; // no PROT_EXEC: the kernel may give exec-only memory a key of its own

// Keys: most through mpk-core, two raw through mpk-sys, one of them freed again.
const coreKeys: readonly ProtectionKey[] = keys(12);
const rawKey = sys.pkeyAlloc(0, 0);
const freedKey = sys.pkeyAlloc(0, 0);
sys.pkeyFree(freedKey);

const region: Region = allocate((PAGES + 2) * PAGE, { label: 'fuzz' });
const base = sys.addressOf(region.buffer);
const freedRegion = allocate(PAGE);
freedRegion.free();
const freedView = new Uint8Array(allocate(2 * PAGE).buffer);
sys.munmap(freedView.buffer as ArrayBuffer);

afterAll(() => {
  region.free();
  sys.pkeyFree(rawKey);
});

interface PageState {
  key: number;
  prot: number;
}
/** The model: every page of the Region, guards included. */
const model: PageState[] = Array.from({ length: PAGES + 2 }, () => ({ key: 0, prot: RW }));

function perms(prot: number): string {
  return `${prot & sys.PROT_READ ? 'r' : '-'}${prot & sys.PROT_WRITE ? 'w' : '-'}-p`;
}

let smapsReads = 0;
function checkAgainstSmaps(after: string): void {
  smapsReads++;
  const entries = readSmaps();
  const wrong: string[] = [];
  model.forEach((expected, page) => {
    const address = base + BigInt(page * PAGE);
    const entry = entries.find((e) => e.start <= address && address < e.end);
    if (entry?.protectionKey !== expected.key || entry.perms !== perms(expected.prot)) {
      wrong.push(`page ${page}: smaps key ${entry?.protectionKey} ${entry?.perms}, model key ${expected.key} ${perms(expected.prot)}`);
    }
  });
  expect(wrong, `after ${after}`).toEqual([]);
}

/** A range of pages 1..PAGES (never the guards), possibly made unaligned or empty. */
const rangeArb = fc.record({
  first: fc.integer({ min: 1, max: PAGES }),
  count: fc.integer({ min: 0, max: PAGES }),
  skew: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: PAGE - 1 }) }),
  tail: fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: PAGE - 1 }) }),
  whole: fc.boolean(),
});
type Range = typeof rangeArb extends fc.Arbitrary<infer T> ? T : never;

interface Target {
  value: unknown;
  /** Pages it covers when it is a valid target; undefined when the call must refuse it. */
  pages?: number[];
}

function target(range: Range, kind: number): Target {
  if (kind === 1) return { value: freedRegion };
  if (kind === 2) return { value: freedView };
  if (kind === 3) return { value: 'not memory' };
  const count = Math.min(range.count, PAGES + 1 - range.first);
  const offset = range.first * PAGE + range.skew;
  const length = Math.max(0, count * PAGE - range.skew + range.tail);
  const view = new Uint8Array(region.buffer, offset, Math.min(length, region.buffer.byteLength - offset));
  const valid = range.skew === 0 && range.tail === 0 && count > 0;
  return { value: view, pages: valid ? Array.from({ length: count }, (_, i) => range.first + i) : undefined };
}

type Key = { kind: 'core'; index: number } | { kind: 'raw' } | { kind: 'freed' } | { kind: 'number'; value: number } | { kind: 'weird'; value: unknown };
const keyArb: fc.Arbitrary<Key> = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: coreKeys.length - 1 }).map((index) => ({ kind: 'core' as const, index })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'raw' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'freed' as const }) },
  { weight: 2, arbitrary: fc.constantFrom(-1, 0, 16, -2).map((value) => ({ kind: 'number' as const, value })) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, 2.5, '3', null, 2n).map((value) => ({ kind: 'weird' as const, value })) },
);

function keyValue(key: Key): unknown {
  switch (key.kind) {
    case 'core':
      return coreKeys[key.index]!.id;
    case 'raw':
      return rawKey;
    case 'freed':
      return freedKey;
    default:
      return key.value;
  }
}

type Action =
  | { fn: 'protect'; key: number; range: Range; kind: number }
  | { fn: 'reprotect'; key: number; range: Range; kind: number; readWrite: unknown }
  | { fn: 'pkeyMprotect'; key: Key; range: Range; kind: number; prot: number }
  | { fn: 'mprotect'; range: Range; kind: number; prot: number };

const kindArb = fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) });
const protArb = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...PROTS) }, { weight: 1, arbitrary: fc.constantFrom(8, -1, 1.5) });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ fn: fc.constant('protect' as const), key: fc.nat({ max: coreKeys.length - 1 }), range: rangeArb, kind: kindArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ fn: fc.constant('reprotect' as const), key: fc.nat({ max: coreKeys.length - 1 }), range: rangeArb, kind: kindArb, readWrite: fc.oneof(fc.boolean(), fc.constant(1)) }),
  },
  { weight: 3, arbitrary: fc.record({ fn: fc.constant('pkeyMprotect' as const), key: keyArb, range: rangeArb, kind: kindArb, prot: protArb }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constant('mprotect' as const), range: rangeArb, kind: kindArb, prot: protArb }) },
);

const counter = new CallCounter();

function run(action: Action): void {
  const t = target(action.range, action.kind);
  let change: PageState | ((page: PageState) => PageState) | undefined;
  let label: string;
  let r: ReturnType<CallCounter['call']>;
  switch (action.fn) {
    case 'protect': {
      const key = coreKeys[action.key]!;
      label = `protect(key ${key.id})`;
      r = counter.call(label, () => key.protect(t.value as Region), () => showArgs(t.value));
      change = { key: key.id, prot: RW };
      break;
    }
    case 'reprotect': {
      const key = coreKeys[action.key]!;
      label = `reprotect(key ${key.id})`;
      r = counter.call(label, () => key.reprotect(t.value as Region, { readWrite: action.readWrite as boolean }), () => showArgs(t.value, action.readWrite));
      if (typeof action.readWrite !== 'boolean') t.pages = undefined;
      change = { key: key.id, prot: action.readWrite === true ? RW : sys.PROT_NONE };
      break;
    }
    case 'pkeyMprotect': {
      const key = keyValue(action.key);
      label = 'pkeyMprotect';
      r = counter.call(label, () => sys.pkeyMprotect(t.value as Uint8Array, action.prot, key as number), () => showArgs(t.value, action.prot, key));
      const validKey = action.key.kind === 'core' || action.key.kind === 'raw' || key === -1 || key === 0;
      if (!validKey || !(PROTS as readonly number[]).includes(action.prot)) t.pages = undefined;
      change = key === -1 ? (page) => ({ key: page.key, prot: action.prot }) : { key: key as number, prot: action.prot };
      break;
    }
    case 'mprotect': {
      label = 'mprotect';
      r = counter.call(label, () => sys.mprotect(t.value as Uint8Array, action.prot), () => showArgs(t.value, action.prot));
      if (!(PROTS as readonly number[]).includes(action.prot)) t.pages = undefined;
      change = (page) => ({ key: page.key, prot: action.prot });
      break;
    }
  }
  if (r.ok) {
    expect(t.pages, `${label} succeeded on arguments it should refuse: ${showArgs(t.value)}`).toBeDefined();
    for (const page of t.pages!) model[page] = typeof change === 'function' ? change(model[page]!) : { ...change! };
  } else {
    expect(t.pages, `${label} refused valid arguments: ${r.error.code} ${r.error.message}`).toBeUndefined();
  }
  checkAgainstSmaps(`${label} ${r.ok ? 'succeeded' : `threw ${r.error.code}`}`);
}

describe('tagging under real PKU, fuzzed', () => {
  it('after every call smaps shows exactly the pages the model says, with their keys; the neighbours never change', () => {
    expect(coreKeys.length).toBeGreaterThanOrEqual(10);
    checkAgainstSmaps('allocation');
    const started = performance.now();
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 8, maxLength: 16 }), (actions) => {
        for (const action of actions) run(action);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    reportFuzzCalls('mpk-core tagging', counter.calls);
    console.log(
      `fuzz: mpk-core tagging: ${smapsReads} smaps checks in ${((performance.now() - started) / 1000).toFixed(1)} s; codes ${JSON.stringify(Object.fromEntries(counter.codes))}`,
    );
  });
});
