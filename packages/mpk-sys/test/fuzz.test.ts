/**
 * Property test of every public function of mpk-sys with arbitrary arguments
 * (issue 9). Random sequences of calls run against a small pool of live and
 * unmapped mappings; each call either does what it is specified to do (checked
 * against a model of the mappings: lengths, addresses, page protections, the
 * live count) or throws an Error whose `code` is ERR_MPK_* or an errno name.
 * A crash of the process would fail this file (the calls run in the vitest
 * worker itself, not in a child).
 *
 * arguments.test.ts lists the argument errors case by case; this file throws
 * everything at every function, in any order, with the state changing under it.
 */
import { constants as bufferConstants } from 'node:buffer';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { Box, CallCounter, oddValues, reportFuzzCalls, showArgs, SPECIAL_NUMBERS, unboxDeep } from '../../../test-support/reliability.js';
import * as sys from '../src/index.js';

const PAGE = sys.pageSize();
const SCALE = Number(process.env.MPK_FUZZ_SCALE ?? 1) || 1;
const counter = new CallCounter();

// ---- the state the calls run against ------------------------------------------

interface Live {
  buffer: ArrayBuffer;
  address: bigint;
  /** Protection of each page as the model expects it. */
  prots: number[];
  /** A view made while mapped, to be used once unmapped. */
  view: Uint8Array;
}

const live: Live[] = [];
/** Unmapped mappings and views made over them before the unmap. */
const dead: (ArrayBuffer | ArrayBufferView)[] = [];
const baselineLive = sys.liveMappings();
const MAX_LIVE = 6;

function remember(buffer: ArrayBuffer): void {
  live.push({ buffer, address: sys.addressOf(buffer), prots: new Array(buffer.byteLength / PAGE).fill(sys.PROT_READ | sys.PROT_WRITE), view: new Uint8Array(buffer, 0, PAGE) });
}

function forget(buffer: ArrayBuffer): void {
  const at = live.findIndex((entry) => entry.buffer === buffer);
  if (at >= 0) {
    const [entry] = live.splice(at, 1);
    dead.push(entry!.view, entry!.buffer);
    if (dead.length > 16) dead.splice(0, 2);
  }
}

for (let i = 0; i < 3; i++) remember(sys.mmap((i + 2) * PAGE));

afterAll(() => {
  for (const entry of live.splice(0)) sys.munmap(entry.buffer);
});

// ---- arbitrary values ----------------------------------------------------------

function detached(): ArrayBuffer {
  const buffer = new ArrayBuffer(PAGE);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

/** Values no function here accepts, some of them hostile (see test-support/reliability.ts). */
const oddities = oddValues(PAGE);
const specialNumbers = [...SPECIAL_NUMBERS, PAGE - 1, PAGE, PAGE + 1, bufferConstants.MAX_LENGTH, bufferConstants.MAX_LENGTH + 1];

const weird = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: oddities.length - 1 }).map((index) => new Box(index)) },
  { weight: 3, arbitrary: fc.constantFrom(...specialNumbers) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);

/** Numbers near the valid range of a small integer argument, and the odd ones. */
const smallInt = (min: number, max: number) =>
  fc.oneof({ weight: 6, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.integer() }, { weight: 2, arbitrary: weird });

const protArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 7 }) }, { weight: 2, arbitrary: smallInt(0, 0x10) });
const keyArb = smallInt(-2, 16);

type ViewKind = 'buffer' | 'Uint8Array' | 'DataView' | 'Uint16Array' | 'Float64Array' | 'Buffer';

/** Where an argument comes from; resolved against the state when the call is made. */
type TargetSpec =
  | { kind: 'live'; pick: number; view: ViewKind; startPage: number; startExtra: number; pages: number; lengthExtra: number }
  | { kind: 'dead'; pick: number }
  | { kind: 'weird'; value: unknown };

const viewKind = fc.constantFrom<ViewKind>('buffer', 'buffer', 'Uint8Array', 'Uint8Array', 'DataView', 'Uint16Array', 'Float64Array', 'Buffer');
const targetArb: fc.Arbitrary<TargetSpec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('live' as const),
      pick: fc.nat(),
      view: viewKind,
      startPage: fc.nat({ max: 5 }),
      startExtra: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: PAGE - 1 }) }),
      pages: fc.nat({ max: 5 }),
      lengthExtra: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: PAGE - 1 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dead' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: weird.map((value) => ({ kind: 'weird' as const, value })) },
);

interface Resolved {
  value: unknown;
  /** The live mapping behind it and the byte range it covers, when there is one. */
  entry?: Live;
  offset?: number;
  length?: number;
}

function resolve(spec: TargetSpec): Resolved {
  if (spec.kind === 'weird') return { value: spec.value };
  if (spec.kind === 'dead') return { value: dead.length === 0 ? detached() : dead[spec.pick % dead.length] };
  if (live.length === 0) return { value: null };
  const entry = live[spec.pick % live.length]!;
  if (spec.view === 'buffer') return { value: entry.buffer, entry, offset: 0, length: entry.buffer.byteLength };
  const size = entry.buffer.byteLength;
  let offset = Math.min(spec.startPage * PAGE + spec.startExtra, size);
  let length = Math.min(spec.pages * PAGE + spec.lengthExtra, size - offset);
  const element = spec.view === 'Uint16Array' ? 2 : spec.view === 'Float64Array' ? 8 : 1;
  offset -= offset % element;
  length -= length % element;
  let value: ArrayBufferView;
  switch (spec.view) {
    case 'Uint8Array':
      value = new Uint8Array(entry.buffer, offset, length);
      break;
    case 'DataView':
      value = new DataView(entry.buffer, offset, length);
      break;
    case 'Uint16Array':
      value = new Uint16Array(entry.buffer, offset, length / 2);
      break;
    case 'Float64Array':
      value = new Float64Array(entry.buffer, offset, length / 8);
      break;
    case 'Buffer':
      value = Buffer.from(entry.buffer, offset, length);
      break;
  }
  return { value, entry, offset, length };
}

// ---- the model of what success means ---------------------------------------------

const PROT_MASK = sys.PROT_READ | sys.PROT_WRITE | sys.PROT_EXEC;
const isProt = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= PROT_MASK;

function protectable(r: Resolved): boolean {
  return r.entry !== undefined && r.length! > 0 && r.offset! % PAGE === 0 && r.length! % PAGE === 0;
}

function applyProt(r: Resolved, prot: number): void {
  for (let page = r.offset! / PAGE; page < (r.offset! + r.length!) / PAGE; page++) r.entry!.prots[page] = prot;
}

/** The permissions /proc/self/maps shows for the page at `address`. */
function mapsPerms(address: bigint): string | undefined {
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
    if (m && BigInt(`0x${m[1]}`) <= address && address < BigInt(`0x${m[2]}`)) return m[3];
  }
  return undefined;
}

/** maps shows the VMA's own flags (the hardware lets a write-only or exec-only page be read anyway). */
function permsOf(prot: number): string {
  return `${prot & sys.PROT_READ ? 'r' : '-'}${prot & sys.PROT_WRITE ? 'w' : '-'}${prot & sys.PROT_EXEC ? 'x' : '-'}p`;
}

let mapsChecks = 0;
let hugeMappings = 0;
let probes = 0;
const PROBE_BUDGET = 150 * SCALE;

// ---- the calls -------------------------------------------------------------------

type Action =
  | { fn: 'mmap'; length: unknown }
  | { fn: 'munmap' | 'addressOf' | 'mappingOf'; target: TargetSpec }
  | { fn: 'mprotect'; target: TargetSpec; prot: unknown }
  | { fn: 'pkeyMprotect'; target: TargetSpec; prot: unknown; key: unknown }
  | { fn: 'pkeyAlloc'; args: unknown[] }
  | { fn: 'pkeyFree'; key: unknown }
  | { fn: 'setMappingLabel'; target: TargetSpec; label: unknown }
  | { fn: 'labelOf'; near: number; delta: number; value: unknown; useValue: boolean }
  | { fn: 'probeAccess'; target: TargetSpec; offset: unknown; operation: unknown }
  | { fn: 'publishSharedKeySet'; expected: unknown; desired: unknown }
  | { fn: 'isMpkError' | 'isMpkSystemError'; value: unknown }
  | { fn: 'liveMappings' | 'pageSize' | 'noop' | 'sharedKeySet' | 'installFaultReporter' | 'uninstallFaultReporter' | 'faultReporterInstalled' }
  | { fn: 'other'; which: number; args: unknown[] };

/** The functions the actions above call by name, each with its own oracle. */
const EXPLICIT = new Set([
  'mmap', 'munmap', 'addressOf', 'mappingOf', 'mprotect', 'pkeyMprotect', 'pkeyAlloc', 'pkeyFree', 'setMappingLabel', 'labelOf',
  'probeAccess', 'publishSharedKeySet', 'isMpkError', 'isMpkSystemError', 'liveMappings', 'pageSize', 'noop', 'sharedKeySet',
  'installFaultReporter', 'uninstallFaultReporter', 'faultReporterInstalled',
]);
/** Any other exported function (one added later, say) is still called, with arbitrary arguments. */
const OTHERS = Object.keys(sys).filter((name) => typeof (sys as Record<string, unknown>)[name] === 'function' && !EXPLICIT.has(name) && !/^[A-Z]/.test(name));

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: OTHERS.length === 0 ? 0 : 1, arbitrary: fc.record({ fn: fc.constant('other' as const), which: fc.nat(), args: fc.array(fc.oneof(weird, targetArb), { maxLength: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ fn: fc.constant('mmap' as const), length: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 6 * PAGE }) }, { weight: 3, arbitrary: weird }) }) },
  { weight: 2, arbitrary: fc.record({ fn: fc.constant('munmap' as const), target: targetArb }) },
  { weight: 3, arbitrary: fc.record({ fn: fc.constantFrom('addressOf' as const, 'mappingOf' as const), target: targetArb }) },
  { weight: 5, arbitrary: fc.record({ fn: fc.constant('mprotect' as const), target: targetArb, prot: protArb }) },
  { weight: 5, arbitrary: fc.record({ fn: fc.constant('pkeyMprotect' as const), target: targetArb, prot: protArb, key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ fn: fc.constant('pkeyAlloc' as const), args: fc.array(smallInt(0, 3), { maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ fn: fc.constant('pkeyFree' as const), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ fn: fc.constant('setMappingLabel' as const), target: targetArb, label: fc.oneof(fc.string({ maxLength: 80 }), fc.constant(null), weird) }) },
  { weight: 2, arbitrary: fc.record({ fn: fc.constant('labelOf' as const), near: fc.nat(), delta: fc.integer({ min: -PAGE, max: 8 * PAGE }), value: weird, useValue: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constant('probeAccess' as const), target: targetArb, offset: smallInt(-1, 5 * PAGE), operation: fc.oneof(fc.constantFrom('read', 'write'), weird) }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constant('publishSharedKeySet' as const), expected: smallInt(0, 0xffff), desired: smallInt(0, 0xffff) }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constantFrom('isMpkError' as const, 'isMpkSystemError' as const), value: fc.oneof(weird, fc.constant(new sys.MpkError('ERR_MPK_EMPTY', 'x'))) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      fn: fc.constantFrom(
        'liveMappings' as const,
        'pageSize' as const,
        'noop' as const,
        'sharedKeySet' as const,
        'installFaultReporter' as const,
        'uninstallFaultReporter' as const,
        'faultReporterInstalled' as const,
      ),
    }),
  },
);

const anyFn = sys as unknown as Record<string, (...args: unknown[]) => unknown>;

function run(action: Action): void {
  switch (action.fn) {
    case 'mmap': {
      // A huge mapping costs nothing to map, but V8 is told of its size and collects garbage: a few suffice.
      if (typeof action.length === 'number' && action.length > 64 * PAGE && action.length <= bufferConstants.MAX_LENGTH && hugeMappings >= 8 * SCALE) return;
      const before = sys.liveMappings();
      const r = counter.call('mmap', () => sys.mmap(action.length as number), () => showArgs(action.length));
      if (r.ok) {
        const length = action.length as number;
        if (length > 64 * PAGE) hugeMappings++;
        expect(r.value.byteLength).toBe(Math.ceil(length / PAGE) * PAGE);
        expect(sys.addressOf(r.value) % BigInt(PAGE)).toBe(0n);
        expect(sys.liveMappings()).toBe(before + 1);
        if (length > 64 * PAGE || live.length >= MAX_LIVE) {
          sys.munmap(r.value);
          dead.push(r.value);
        } else {
          remember(r.value);
        }
      } else {
        expect(sys.liveMappings()).toBe(before);
      }
      return;
    }
    case 'munmap': {
      const t = resolve(action.target);
      const before = sys.liveMappings();
      const r = counter.call('munmap', () => sys.munmap(t.value as ArrayBuffer), () => showArgs(t.value));
      if (r.ok) {
        expect(t.entry?.buffer).toBe(t.value);
        expect((t.value as ArrayBuffer).byteLength).toBe(0);
        expect(sys.liveMappings()).toBe(before - 1);
        forget(t.value as ArrayBuffer);
      } else {
        expect(sys.liveMappings()).toBe(before);
      }
      return;
    }
    case 'addressOf':
    case 'mappingOf': {
      const t = resolve(action.target);
      const r = counter.call(action.fn, () => anyFn[action.fn]!(t.value), () => showArgs(t.value));
      if (r.ok) {
        expect(t.entry, `${action.fn} accepted ${showArgs(t.value)}`).toBeDefined();
        if (action.fn === 'addressOf') expect(r.value).toBe(t.entry!.address + BigInt(t.offset!));
        else expect(r.value).toEqual({ address: t.entry!.address, length: t.entry!.buffer.byteLength });
      }
      return;
    }
    case 'mprotect':
    case 'pkeyMprotect': {
      const t = resolve(action.target);
      const args = action.fn === 'mprotect' ? [t.value, action.prot] : [t.value, action.prot, action.key];
      const r = counter.call(action.fn, () => anyFn[action.fn]!(...args), () => showArgs(...args));
      if (r.ok) {
        expect(protectable(t) && isProt(action.prot), `${action.fn} accepted ${showArgs(...args)}`).toBe(true);
        applyProt(t, action.prot as number);
        // The kernel's view, now and then (reading maps costs a millisecond).
        if (mapsChecks < 300 * SCALE && (counter.calls & 7) === 0) {
          mapsChecks++;
          const last = t.offset! + t.length! - PAGE;
          expect(mapsPerms(t.entry!.address + BigInt(t.offset!))).toBe(permsOf(action.prot as number));
          expect(mapsPerms(t.entry!.address + BigInt(last))).toBe(permsOf(action.prot as number));
        }
      } else if (protectable(t) && isProt(action.prot) && action.fn === 'mprotect') {
        throw new Error(`mprotect refused valid arguments: ${r.error.code} ${r.error.message}`);
      }
      return;
    }
    case 'pkeyAlloc': {
      const r = counter.call('pkeyAlloc', () => anyFn.pkeyAlloc!(...action.args), () => showArgs(...action.args));
      if (r.ok) {
        // Only on a CPU with PKU; give it back at once.
        expect(r.value).toBeGreaterThanOrEqual(1);
        expect(r.value).toBeLessThanOrEqual(15);
        sys.pkeyFree(r.value as number);
      }
      return;
    }
    case 'pkeyFree': {
      // A key someone holds (V8's, on a PKU machine) must not be freed by the fuzz.
      if (typeof action.key === 'number' && action.key >= 1 && action.key <= 15 && process.env.MPK_TEST_LANE === 'pku') return;
      counter.call('pkeyFree', () => sys.pkeyFree(action.key as number), () => showArgs(action.key));
      return;
    }
    case 'setMappingLabel': {
      const t = resolve(action.target);
      const r = counter.call('setMappingLabel', () => sys.setMappingLabel(t.value as ArrayBuffer, action.label as string), () => showArgs(t.value, action.label));
      if (r.ok) {
        expect(protectable(t)).toBe(true);
        // The smallest labelled range containing the address answers: this one or a smaller one inside.
        const start = t.entry!.address + BigInt(t.offset!);
        const found = sys.labelOf(start);
        if (typeof action.label === 'string') expect(found !== null && found.start <= start).toBe(true);
      }
      return;
    }
    case 'labelOf': {
      const entry = live.length === 0 ? undefined : live[action.near % live.length];
      const value = action.useValue || entry === undefined ? action.value : entry.address + BigInt(action.delta);
      const r = counter.call('labelOf', () => sys.labelOf(value as bigint), () => showArgs(value));
      if (r.ok) {
        expect(typeof value).toBe('bigint');
        if (r.value !== null) {
          expect(typeof r.value.label).toBe('string');
          expect(r.value.start <= (value as bigint)).toBe(true);
        }
      }
      return;
    }
    case 'probeAccess': {
      const t = resolve(action.target);
      // Each valid probe forks: keep to a budget, and never probe a page the model does not know.
      const valid = t.entry !== undefined && typeof action.offset === 'number' && Number.isInteger(action.offset) && action.offset >= 0 && action.offset < t.length! && (action.operation === 'read' || action.operation === 'write');
      if (valid && probes >= PROBE_BUDGET) return;
      if (valid) probes++;
      const r = counter.call('probeAccess', () => sys.probeAccess(t.value as ArrayBuffer, action.offset as number, action.operation as 'read'), () => showArgs(t.value, action.offset, action.operation));
      if (r.ok) {
        expect(valid, `probeAccess accepted ${showArgs(t.value, action.offset, action.operation)}`).toBe(true);
        const byte = t.offset! + (action.offset as number);
        const prot = t.entry!.prots[Math.floor(byte / PAGE)]!;
        // x86 page tables cannot say write-only or exec-only: both read. With PKU the kernel
        // gives an exec-only mapping its execute-only key, and then a read faults (SEGV_PKUERR).
        const allowed = action.operation === 'read' ? prot !== sys.PROT_NONE : (prot & sys.PROT_WRITE) !== 0;
        if (prot === sys.PROT_EXEC && action.operation === 'read' && r.value.outcome === 'fault') {
          expect(r.value.code).toBe(sys.SEGV_PKUERR);
        } else if (allowed) {
          expect(r.value.outcome).toBe('ok');
        } else {
          expect(r.value).toMatchObject({ outcome: 'fault', signal: 'SIGSEGV', address: t.entry!.address + BigInt(byte) });
          // SEGV_ACCERR, or SEGV_PKUERR for an execute-only page on a CPU with PKU.
          expect([2, 4]).toContain(r.value.code);
        }
      } else if (valid) {
        throw new Error(`probeAccess refused valid arguments: ${r.error.code} ${r.error.message}`);
      }
      return;
    }
    case 'publishSharedKeySet': {
      counter.call('publishSharedKeySet', () => sys.publishSharedKeySet(action.expected as number, action.desired as number), () => showArgs(action.expected, action.desired));
      return;
    }
    case 'isMpkError':
    case 'isMpkSystemError': {
      const r = counter.call(action.fn, () => anyFn[action.fn]!(action.value), () => showArgs(action.value));
      // A planted throwing getter may escape (instanceof asks the prototype); nothing else may.
      if (r.ok) expect(typeof r.value).toBe('boolean');
      return;
    }
    case 'other': {
      if (OTHERS.length === 0) return;
      const name = OTHERS[action.which % OTHERS.length]!;
      const args = action.args.map((arg) => (arg !== null && typeof arg === 'object' && 'kind' in arg ? resolve(arg as TargetSpec).value : arg));
      counter.call(name, () => anyFn[name]!(...args), () => showArgs(...args));
      return;
    }
    default: {
      const r = counter.call(action.fn, () => anyFn[action.fn]!());
      expect(r.ok, `${action.fn}() threw`).toBe(true);
      if (action.fn === 'pageSize') expect(r.ok && r.value).toBe(PAGE);
      if (action.fn === 'liveMappings') expect(r.ok && r.value).toBe(baselineLive + live.length);
    }
  }
}

describe('mpk-sys under arbitrary arguments', () => {
  it('every call succeeds as specified or throws a coded error; the model of the mappings holds throughout', () => {
    const started = performance.now();
    // Tens of thousands of errors are made; deep stack traces would be most of the cost.
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 4;
    onTestFinished(() => {
      Error.stackTraceLimit = stackLimit;
    });
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 10, maxLength: 30 }), (actions) => {
        for (const action of actions) run(unboxDeep(action, oddities));
      }),
      { numRuns: 2000 * SCALE },
    );
    // Everything the fuzz mapped and did not keep is gone.
    expect(sys.liveMappings()).toBe(baselineLive + live.length);
    sys.uninstallFaultReporter();
    reportFuzzCalls('mpk-sys', counter.calls);
    if (OTHERS.length > 0) console.log(`fuzz: mpk-sys also called, with arbitrary arguments only: ${OTHERS.join(', ')}`);
    console.log(`fuzz: mpk-sys ${(performance.now() - started).toFixed(0)} ms, ${probes} probes forked, ${mapsChecks} maps checks; codes ${JSON.stringify(Object.fromEntries(counter.codes))}`);
    expect(counter.calls).toBeGreaterThan(20_000 * SCALE);
  });
});
