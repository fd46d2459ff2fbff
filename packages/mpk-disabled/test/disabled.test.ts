import { describe, expect, it } from 'vitest';
import * as disabled from '../src/index.js';
import { ProtectionMask, Region } from '../src/index.js';

describe('the disabled implementation', () => {
  it('reports no support, with the reason', () => {
    expect(disabled.implementation).toBe('disabled');
    expect(disabled.isSupported()).toBe(false);
    expect(disabled.supportStatus()).toEqual({ supported: false, reason: expect.stringContaining('disabled'), missing: 'forced' });
  });
  it('keys() is empty and frozen for every valid max', () => {
    for (const max of [0, 1, 15, 100]) {
      const keys = disabled.keys(max);
      expect(keys).toEqual([]);
      expect(Object.isFrozen(keys)).toBe(true);
    }
  });
  it('keys() refuses a bad max', () => {
    for (const [max, code] of [[-1, 'ERR_MPK_OUT_OF_RANGE'], [1.5, 'ERR_MPK_INVALID_ARGUMENT'], [Number.NaN, 'ERR_MPK_INVALID_ARGUMENT'], ['3', 'ERR_MPK_INVALID_ARGUMENT'], [Infinity, 'ERR_MPK_INVALID_ARGUMENT']] as const) {
      expect(() => disabled.keys(max as number)).toThrow(expect.objectContaining({ code }));
    }
  });
  it('allow() is a no-op that still checks its argument; currentMask() is all()', () => {
    disabled.allow(ProtectionMask.zero());
    expect(disabled.currentMask()).toBe(ProtectionMask.all());
    expect(() => disabled.allow({ value: 0 } as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
  it('withMask runs the function and still refuses async ones', () => {
    expect(disabled.withMask(ProtectionMask.zero(), () => 42)).toBe(42);
    expect(() => disabled.withMask(ProtectionMask.zero(), async () => 1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
    using scope = disabled.enter(ProtectionMask.zero());
    expect(scope.previous).toBe(ProtectionMask.all());
  });
});

describe('allocate (plain memory)', () => {
  it('rounds up to whole pages and labels the region', () => {
    const region = disabled.allocate(100, { label: 'tenant' });
    expect(region).toBeInstanceOf(Region);
    expect(region.byteLength).toBe(4096);
    expect(region.buffer.byteLength).toBe(4096);
    expect(region.label).toBe('tenant');
    new Uint8Array(region.buffer)[4095] = 7;
    expect(new Uint8Array(region.buffer)[4095]).toBe(7);
  });
  it('free() detaches the buffer at once and is idempotent; dispose frees', () => {
    const region = disabled.allocate(4096);
    region.free();
    expect(region.freed).toBe(true);
    expect(region.buffer.byteLength).toBe(0);
    region.free();
    let kept: Region;
    {
      using scoped = disabled.allocate(1);
      kept = scoped;
    }
    expect(kept.freed).toBe(true);
  });
  it('refuses bad sizes and options with typed errors', () => {
    for (const [bytes, code] of [[0, 'ERR_MPK_OUT_OF_RANGE'], [-4096, 'ERR_MPK_OUT_OF_RANGE'], [1.5, 'ERR_MPK_INVALID_ARGUMENT'], [Number.NaN, 'ERR_MPK_INVALID_ARGUMENT'], [2 ** 60, 'ERR_MPK_OUT_OF_RANGE'], [10n, 'ERR_MPK_INVALID_ARGUMENT']] as const) {
      expect(() => disabled.allocate(bytes as number)).toThrow(expect.objectContaining({ code }));
    }
    expect(() => disabled.allocate(1, null as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    expect(() => disabled.allocate(1, { label: 3 as never })).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
  it('targetOf resolves regions and views and refuses freed or foreign things', () => {
    const region = disabled.allocate(8192);
    expect(disabled.targetOf(region)).toBe(region.buffer);
    const view = new Uint8Array(region.buffer, 4096);
    expect(disabled.targetOf(view)).toBe(view);
    expect(disabled.regionOf(view)).toBe(region);
    expect(() => disabled.targetOf(42 as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_NOT_A_REGION' }));
    region.free();
    expect(() => disabled.targetOf(region)).toThrow(expect.objectContaining({ code: 'ERR_MPK_REGION_FREED' }));
    expect(() => disabled.targetOf(region.buffer)).toThrow(expect.objectContaining({ code: 'ERR_MPK_REGION_FREED' }));
  });
});

describe('sizes no ArrayBuffer can hold', () => {
  it('are refused with a typed error instead of reaching the allocator', async () => {
    const { constants } = await import('node:buffer');
    expect(() => disabled.allocate(constants.MAX_LENGTH + 4096)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => disabled.allocate(25e9)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => disabled.createStripedPool({ slots: 4096, slotBytes: 2 ** 30 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => disabled.calculateLayout(null as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
});
