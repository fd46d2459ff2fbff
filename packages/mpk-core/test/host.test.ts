import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { ProtectionMask } from '../src/index.js';
import { cpuFlags } from '../../../test-support/cpu.js';
import { checkMappingBudget } from '../src/mapping-budget.js';
import { readFileSync } from 'node:fs';

const hasPku = cpuFlags().has('pku') && cpuFlags().has('ospke');

describe.runIf(!hasPku)('mpk-core on a CPU without PKU', () => {
  it('says what is missing and allocates no key', () => {
    expect(core.implementation).toBe('enabled');
    expect(core.isSupported()).toBe(false);
    expect(core.supportStatus()).toMatchObject({ supported: false, missing: cpuFlags().has('pku') ? 'os' : 'cpu' });
    expect(core.keys(15)).toEqual([]);
    expect(core.ownedBits()).toBe(0);
  });
  it('switches are no-ops that still check their arguments; the mask reads as all()', () => {
    core.allow(ProtectionMask.zero());
    expect(core.currentMask()).toBe(ProtectionMask.all());
    expect(core.withMask(ProtectionMask.zero(), () => 5)).toBe(5);
    expect(() => core.allow(0xfffffffc as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    {
      using scope = core.enter(ProtectionMask.zero());
      expect(scope.previous).toBe(ProtectionMask.all());
    }
  });
});

describe('mpk-core regions (mmap works without PKU)', () => {
  it('allocate maps whole pages that mpk-sys knows, and free unmaps them', () => {
    const before = sys.liveMappings();
    const region = core.allocate(5000, { label: 'host' });
    expect(region.byteLength).toBe(2 * sys.pageSize());
    expect(sys.mappingOf(region.buffer)).toEqual({ address: sys.addressOf(region.buffer), length: region.byteLength });
    expect(sys.addressOf(region.buffer) % BigInt(sys.pageSize())).toBe(0n);
    expect(sys.liveMappings()).toBe(before + 1);
    region.free();
    expect(sys.liveMappings()).toBe(before);
    expect(region.buffer.byteLength).toBe(0);
  });
  it('keys() refuses a bad max with a typed error before anything else', () => {
    for (const [max, code] of [[-1, 'ERR_MPK_OUT_OF_RANGE'], [0.5, 'ERR_MPK_INVALID_ARGUMENT'], [Number.NaN, 'ERR_MPK_INVALID_ARGUMENT'], [null, 'ERR_MPK_INVALID_ARGUMENT']] as const) {
      expect(() => core.keys(max as number)).toThrow(expect.objectContaining({ code }));
    }
  });
  it('a striped pool builds without keys as one stripe over mapped memory', () => {
    using pool = core.createStripedPool({ slots: 3, slotBytes: 4096, guardBytes: 4096 });
    expect(pool.layout()).toMatchObject({ stripes: 1, slotBytes: 8192, postGuardBytes: 0, totalBytes: 3 * 8192 });
    expect(pool.run(2, (slot) => slot.buffer.byteLength)).toBe(4096);
  });
  it('a pool that would pass vm.max_map_count is refused: the budget check', () => {
    expect(() => checkMappingBudget(10)).not.toThrow();
    const limit = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8'));
    expect(() => checkMappingBudget(limit)).toThrow(expect.objectContaining({ code: 'ERR_MPK_TOO_MANY_MAPPINGS', limit }));
  });
});
