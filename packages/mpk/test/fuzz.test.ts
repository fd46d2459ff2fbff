/**
 * Property test of every public function of the umbrella `mpk` with
 * arbitrary arguments (issue 9): the API it forwards (through the
 * API-level driver shared with mpk-core, test-support/api-fuzz.ts), run on
 * the implementation it picked here and on the disabled one it picks where
 * keys cannot work (mpk-disabled, as with MPK_DISABLE=1); and its own
 * functions: installFaultReporter(options) and its handles, mappings(),
 * explainError(error, target), chooseImplementation(input). Every call does
 * what it says or throws an Error with a string `code`.
 */
import fc from 'fast-check';
import * as disabled from 'mpk-disabled';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { fuzzApi, type ApiUnderTest } from '../../../test-support/api-fuzz.js';
import { Box, CallCounter, oddValues, reportFuzzCalls, showArgs, SPECIAL_NUMBERS, unboxDeep } from '../../../test-support/reliability.js';
import * as mpk from '../src/index.js';

const SCALE = Number(process.env.MPK_FUZZ_SCALE ?? 1) || 1;
const PAGE = sys.pageSize();

describe('mpk under arbitrary arguments', () => {
  const counter = new CallCounter();
  const started = performance.now();

  it(`the API as forwarded to the ${mpk.implementation} implementation`, () => {
    fuzzApi(fc, mpk as unknown as ApiUnderTest, { page: PAGE, runs: 350 * SCALE, liveMappings: mpk.implementation === 'enabled' ? sys.liveMappings : undefined }, counter);
  });

  it('the API of the disabled implementation (what mpk uses with MPK_DISABLE=1 or without the addons)', () => {
    fuzzApi(fc, disabled as unknown as ApiUnderTest, { page: 4096, runs: 350 * SCALE }, counter);
  });

  it("mpk's own functions: installFaultReporter, mappings, explainError, chooseImplementation", () => {
    const odd = oddValues(PAGE);
    const weird = fc.oneof(
      { weight: 2, arbitrary: fc.nat({ max: odd.length - 1 }).map((index) => new Box(index)) },
      { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_NUMBERS) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
    );
    const region = mpk.allocate(2 * PAGE, { label: 'fuzz' });
    const efault = Object.assign(new Error('EFAULT: bad address, write'), { code: 'EFAULT', errno: -14, syscall: 'write' });
    const errorArb = fc.oneof(
      fc.constant(efault),
      fc.record({ code: fc.oneof(fc.constantFrom('EFAULT', 'ENOSPC'), weird), errno: fc.oneof(fc.constantFrom(-14, 14), weird), syscall: fc.oneof(fc.string(), weird) }, { requiredKeys: [] }),
      weird,
    );
    const targetArb = fc.oneof(
      fc.constant(region.buffer),
      fc.constant(new Uint8Array(region.buffer, 5, 10)),
      fc.constant(undefined),
      weird,
    );
    const inputArb = fc.oneof(
      fc.record(
        {
          platform: fc.oneof(fc.constantFrom('linux', 'darwin', 'win32'), weird),
          arch: fc.oneof(fc.constantFrom('x64', 'arm64'), weird),
          env: fc.oneof(fc.record({ MPK_DISABLE: fc.oneof(fc.constantFrom('1', '0', undefined), weird) }, { requiredKeys: [] }), weird),
          nativeLoadError: fc.oneof(fc.constant(null), fc.string(), weird),
        },
        { requiredKeys: [] },
      ),
      weird,
    );
    type Action =
      | { fn: 'installFaultReporter'; options: unknown; withOptions: boolean; dispose: boolean }
      | { fn: 'mappings' }
      | { fn: 'explainError'; error: unknown; target: unknown; withTarget: boolean }
      | { fn: 'chooseImplementation'; input: unknown };
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      { weight: 2, arbitrary: fc.record({ fn: fc.constant('installFaultReporter' as const), options: fc.oneof(fc.record({ required: fc.oneof(fc.boolean(), weird) }, { requiredKeys: [] }), weird), withOptions: fc.boolean(), dispose: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ fn: fc.constant('mappings' as const) }) },
      { weight: 4, arbitrary: fc.record({ fn: fc.constant('explainError' as const), error: errorArb, target: targetArb, withTarget: fc.boolean() }) },
      { weight: 4, arbitrary: fc.record({ fn: fc.constant('chooseImplementation' as const), input: inputArb }) },
    );
    let mappingsCalls = 0;

    function run(action: Action): void {
      switch (action.fn) {
        case 'installFaultReporter': {
          const r = counter.call('installFaultReporter', () => (action.withOptions ? mpk.installFaultReporter(action.options as object) : mpk.installFaultReporter()), () => showArgs(action.options));
          if (r.ok) {
            expect(typeof r.value.available).toBe('boolean');
            expect(r.value.active).toBe(r.value.available);
            expect(counter.call('handle.uninstall', () => (action.dispose ? r.value[Symbol.dispose]() : r.value.uninstall())).ok).toBe(true);
            expect(r.value.active).toBe(false);
            expect(counter.call('handle.uninstall again', () => r.value.uninstall()).ok).toBe(true);
          }
          return;
        }
        case 'mappings': {
          // Reads /proc/self/smaps: milliseconds; a few hundred calls are plenty.
          if (mappingsCalls++ > 200 * SCALE) return;
          const r = counter.call('mappings', () => mpk.mappings());
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.value.length).toBeGreaterThan(0);
          return;
        }
        case 'explainError': {
          const r = counter.call('explainError', () => (action.withTarget ? mpk.explainError(action.error, action.target as ArrayBuffer) : mpk.explainError(action.error)), () => showArgs(action.error, action.target));
          if (r.ok) {
            expect(r.value === undefined || typeof r.value === 'string').toBe(true);
            if (action.error === efault) expect(r.value).toMatch(/^EFAULT from write\(2\)/);
          }
          return;
        }
        case 'chooseImplementation': {
          const input = action.input;
          const r = counter.call('chooseImplementation', () => mpk.chooseImplementation(input as never), () => showArgs(input));
          if (r.ok) {
            expect(['enabled', 'disabled']).toContain(r.value.implementation);
            expect(typeof r.value.reason).toBe('string');
          }
          return;
        }
      }
    }

    try {
      fc.assert(
        fc.property(fc.array(actionArb, { minLength: 10, maxLength: 30 }), (actions) => {
          for (const action of actions) run(unboxDeep(action, odd));
        }),
        { numRuns: 200 * SCALE },
      );
    } finally {
      region.free();
    }
  });

  it('reports the count', () => {
    reportFuzzCalls('mpk', counter.calls);
    console.log(`fuzz: mpk ${(performance.now() - started).toFixed(0)} ms; codes ${JSON.stringify(Object.fromEntries(counter.codes))}`);
    expect(counter.calls).toBeGreaterThan(12_000 * SCALE);
  });
});
