/**
 * Property test of every public function of mpk-core with arbitrary
 * arguments (issue 9), through the API-level driver shared with the umbrella
 * (test-support/api-fuzz.ts): keys, masks, allow/withMask/enter, Regions
 * (live and freed), striped pools (live and freed), layouts. Every call does
 * what the API says or throws an Error with a string `code`; mpk-sys's count
 * of live mappings follows every allocation and free and comes back to where
 * it started. On this host there are no keys (no PKU), so the keys the driver
 * hands around are fakes, which masks must refuse or accept by their id alone;
 * the tagging itself is fuzzed under real PKU in fuzz.pku.test.ts.
 */
import fc from 'fast-check';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { fuzzApi, type ApiUnderTest } from '../../../test-support/api-fuzz.js';
import { CallCounter, reportFuzzCalls } from '../../../test-support/reliability.js';
import * as core from '../src/index.js';

const SCALE = Number(process.env.MPK_FUZZ_SCALE ?? 1) || 1;

describe('mpk-core under arbitrary arguments', () => {
  it('every call succeeds as specified or throws a coded error; mappings come back', () => {
    const started = performance.now();
    const counter = new CallCounter();
    fuzzApi(fc, core as unknown as ApiUnderTest, { page: sys.pageSize(), runs: 1000 * SCALE, liveMappings: sys.liveMappings }, counter);
    // ownedBits() is mpk-core's own addition to the API: a number, whatever happened.
    counter.call('ownedBits', () => expect(typeof core.ownedBits()).toBe('number'));
    reportFuzzCalls('mpk-core', counter.calls);
    console.log(`fuzz: mpk-core ${(performance.now() - started).toFixed(0)} ms; codes ${JSON.stringify(Object.fromEntries(counter.codes))}`);
    expect(counter.calls).toBeGreaterThan(15_000 * SCALE);
  });
});
