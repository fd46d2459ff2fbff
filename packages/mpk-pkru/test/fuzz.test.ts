/**
 * Property test of every public function of mpk-pkru with arbitrary
 * arguments (issue 9). The arithmetic (keyBits, rights, withRights, decode,
 * describe) is checked against its definition for every valid input and must
 * refuse every other one with the right code (ERR_MPK_INVALID_ARGUMENT for
 * the wrong type, NaN and fractions, ERR_MPK_OUT_OF_RANGE for integers out of
 * range); the register functions refuse bad arguments first and, where the
 * CPU cannot run RDPKRU/WRPKRU (this host), throw ERR_MPK_PKRU_UNAVAILABLE.
 * Any export not named here is still called with arbitrary arguments.
 *
 * On a CPU with PKU the register is live, and writing arbitrary values to it
 * would take key 0 (the stack) or V8's key away from this very thread: there
 * the register calls only get values that leave the register as it is.
 */
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Box, CallCounter, oddValues, reportFuzzCalls, showArgs, SPECIAL_NUMBERS, unboxDeep } from '../../../test-support/reliability.js';
import * as pkru from '../src/index.js';

const SCALE = Number(process.env.MPK_FUZZ_SCALE ?? 1) || 1;
const LIVE = pkru.osEnabled();
const odd = oddValues();
const counter = new CallCounter();

const weird = fc.oneof(
  { weight: 2, arbitrary: fc.nat({ max: odd.length - 1 }).map((index) => new Box(index)) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NUMBERS) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.bigInt() },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
);
const pkruArb = fc.oneof({ weight: 6, arbitrary: fc.nat({ max: 0xffffffff }) }, { weight: 1, arbitrary: fc.integer() }, { weight: 2, arbitrary: weird });
const keyArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 15 }) }, { weight: 1, arbitrary: fc.integer({ min: -20, max: 40 }) }, { weight: 2, arbitrary: weird });
const rightsArb = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: -4, max: 8 }) }, { weight: 2, arbitrary: weird });

/** The code a check of an integer in [0, max] must give `value`, or null when it is valid. */
function expectedCode(value: unknown, max: number): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'ERR_MPK_INVALID_ARGUMENT';
  return value < 0 || value > max ? 'ERR_MPK_OUT_OF_RANGE' : null;
}

/** The first argument error among `checks`, in argument order. */
function firstError(...checks: [unknown, number][]): string | null {
  for (const [value, max] of checks) {
    const code = expectedCode(value, max);
    if (code !== null) return code;
  }
  return null;
}

type Action =
  | { fn: 'keyBits'; key: unknown }
  | { fn: 'rights'; value: unknown; key: unknown }
  | { fn: 'withRights'; value: unknown; key: unknown; rights: unknown }
  | { fn: 'decode' | 'describe'; value: unknown }
  | { fn: 'write'; value: unknown }
  | { fn: 'update'; value: unknown; owned: unknown }
  | { fn: 'read' | 'noop' | 'hasCpuidBitSet' | 'osEnabled' | 'cpuVendor' }
  | { fn: 'other'; which: number; args: unknown[] };

const EXPLICIT = new Set(['keyBits', 'rights', 'withRights', 'decode', 'describe', 'write', 'update', 'read', 'noop', 'hasCpuidBitSet', 'osEnabled', 'cpuVendor']);
/** Exported functions without an oracle here; register-changing ones are left out where the register is live. */
const OTHERS = Object.keys(pkru).filter(
  (name) => typeof (pkru as Record<string, unknown>)[name] === 'function' && !EXPLICIT.has(name) && !/^[A-Z]/.test(name) && !(LIVE && /switch|own/i.test(name)),
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ fn: fc.constant('keyBits' as const), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ fn: fc.constant('rights' as const), value: pkruArb, key: keyArb }) },
  { weight: 4, arbitrary: fc.record({ fn: fc.constant('withRights' as const), value: pkruArb, key: keyArb, rights: rightsArb }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constantFrom('decode' as const, 'describe' as const), value: pkruArb }) },
  { weight: 2, arbitrary: fc.record({ fn: fc.constant('write' as const), value: pkruArb }) },
  { weight: 2, arbitrary: fc.record({ fn: fc.constant('update' as const), value: pkruArb, owned: pkruArb }) },
  { weight: 1, arbitrary: fc.record({ fn: fc.constantFrom('read' as const, 'noop' as const, 'hasCpuidBitSet' as const, 'osEnabled' as const, 'cpuVendor' as const) }) },
  { weight: OTHERS.length === 0 ? 0 : 2, arbitrary: fc.record({ fn: fc.constant('other' as const), which: fc.nat(), args: fc.array(pkruArb, { maxLength: 3 }) }) },
);

const any = pkru as unknown as Record<string, (...args: unknown[]) => unknown>;

function expectOutcome(r: ReturnType<CallCounter['call']>, code: string | null, what: string): void {
  if (code === null) {
    if (!r.ok) throw new Error(`${what} refused valid arguments: ${r.error.code} ${r.error.message}`);
  } else {
    expect(r.ok, `${what} accepted invalid arguments`).toBe(false);
    if (!r.ok && r.error.code.startsWith('ERR_MPK_')) expect(r.error.code, what).toBe(code);
  }
}

function run(action: Action): void {
  switch (action.fn) {
    case 'keyBits': {
      const r = counter.call('keyBits', () => pkru.keyBits(action.key as number), () => showArgs(action.key));
      expectOutcome(r, expectedCode(action.key, 15), `keyBits(${showArgs(action.key)})`);
      if (r.ok) expect(r.value).toBe((0b11 << (2 * (action.key as number))) >>> 0);
      return;
    }
    case 'rights': {
      const r = counter.call('rights', () => pkru.rights(action.value as number, action.key as number), () => showArgs(action.value, action.key));
      expectOutcome(r, firstError([action.value, 0xffffffff], [action.key, 15]), `rights(${showArgs(action.value, action.key)})`);
      if (r.ok) expect(r.value).toBe((Math.floor((action.value as number) / 4 ** (action.key as number)) % 4) + 0); // + 0: -0 reads as 0
      return;
    }
    case 'withRights': {
      const args = [action.value, action.key, action.rights];
      const r = counter.call('withRights', () => pkru.withRights(action.value as number, action.key as number, action.rights as number), () => showArgs(...args));
      expectOutcome(r, firstError([action.value, 0xffffffff], [action.key, 15], [action.rights, 3]), `withRights(${showArgs(...args)})`);
      if (r.ok) {
        const value = r.value as number;
        const key = action.key as number;
        expect(value >>> 0).toBe(value);
        expect(pkru.rights(value, key)).toBe((action.rights as number) + 0);
        const others = (~pkru.keyBits(key)) >>> 0;
        expect((value & others) >>> 0).toBe(((action.value as number) & others) >>> 0);
      }
      return;
    }
    case 'decode':
    case 'describe': {
      const r = counter.call(action.fn, () => any[action.fn]!(action.value), () => showArgs(action.value));
      expectOutcome(r, expectedCode(action.value, 0xffffffff), `${action.fn}(${showArgs(action.value)})`);
      if (r.ok && action.fn === 'decode') {
        const keys = r.value as pkru.KeyRights[];
        expect(keys).toHaveLength(16);
        keys.forEach((k, key) => {
          expect(k.rights).toBe(pkru.rights(action.value as number, key));
          expect(k.read).toBe((k.rights & 1) === 0);
          expect(k.write).toBe(k.rights === 0);
        });
      }
      if (r.ok && action.fn === 'describe') {
        const lines = (r.value as string).split('\n');
        expect(lines).toHaveLength(17);
        expect(lines[0]).toBe(`PKRU 0x${((action.value as number) >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
      }
      return;
    }
    case 'write': {
      // On live hardware a valid value is replaced by the register's own (a write that changes nothing).
      const value = LIVE && expectedCode(action.value, 0xffffffff) === null ? pkru.read() : action.value;
      const r = counter.call('write', () => pkru.write(value as number), () => showArgs(value));
      const code = expectedCode(value, 0xffffffff) ?? (LIVE ? null : 'ERR_MPK_PKRU_UNAVAILABLE');
      expectOutcome(r, code, `write(${showArgs(value)})`);
      return;
    }
    case 'update': {
      // On live hardware, owning no bits: the register keeps its value.
      const owned = LIVE && expectedCode(action.owned, 0xffffffff) === null ? 0 : action.owned;
      const before = LIVE ? pkru.read() : 0;
      const r = counter.call('update', () => pkru.update(action.value as number, owned as number), () => showArgs(action.value, owned));
      const code = firstError([action.value, 0xffffffff], [owned, 0xffffffff]) ?? (LIVE ? null : 'ERR_MPK_PKRU_UNAVAILABLE');
      expectOutcome(r, code, `update(${showArgs(action.value, owned)})`);
      if (r.ok) {
        expect(r.value).toBe(before);
        expect(pkru.read()).toBe(before);
      }
      return;
    }
    case 'other': {
      if (OTHERS.length === 0) return;
      const name = OTHERS[action.which % OTHERS.length]!;
      const r = counter.call(name, () => any[name]!(...action.args), () => showArgs(...action.args));
      // A function handed back (a prepared switch, say) is called too, where that cannot hurt.
      if (r.ok && typeof r.value === 'function' && !LIVE) counter.call(`${name}(...)()`, () => (r.value as () => unknown)());
      return;
    }
    default: {
      const r = counter.call(action.fn, () => any[action.fn]!());
      if (action.fn === 'read' || (action.fn === 'noop' && !pkru.available)) {
        if (LIVE) expect(r.ok).toBe(true);
        else expect(!r.ok && r.error.code).toBe('ERR_MPK_PKRU_UNAVAILABLE');
      } else {
        expect(r.ok, `${action.fn}() threw`).toBe(true);
      }
    }
  }
}

describe('mpk-pkru under arbitrary arguments', () => {
  it('every call succeeds as defined or throws the right ERR_MPK_ code', () => {
    const started = performance.now();
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 4;
    onTestFinished(() => {
      Error.stackTraceLimit = stackLimit;
    });
    const before = LIVE ? pkru.read() : 0;
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 10, maxLength: 30 }), (actions) => {
        for (const action of actions) run(unboxDeep(action, odd));
      }),
      { numRuns: 1500 * SCALE },
    );
    if (LIVE) expect(pkru.read()).toBe(before);
    reportFuzzCalls('mpk-pkru', counter.calls);
    console.log(
      `fuzz: mpk-pkru ${(performance.now() - started).toFixed(0)} ms${OTHERS.length > 0 ? `, also called with arbitrary arguments: ${OTHERS.join(', ')}` : ''}; codes ${JSON.stringify(Object.fromEntries(counter.codes))}`,
    );
    expect(counter.calls).toBeGreaterThan(20_000 * SCALE);
  });
});
