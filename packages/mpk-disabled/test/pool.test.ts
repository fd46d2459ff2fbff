import { describe, expect, it } from 'vitest';
import { createStripedPool, StripedPool } from '../src/index.js';

describe('createStripedPool (disabled: a plain pool)', () => {
  it('lays out slots with one stripe and no keys, and views cover exactly each slot', () => {
    using pool = createStripedPool({ slots: 4, slotBytes: 5000 });
    expect(pool).toBeInstanceOf(StripedPool);
    expect(pool.layout()).toMatchObject({ slots: 4, stripes: 1, slotBytes: 8192, accessibleBytes: 8192, keys: [] });
    const slot = pool.slot(2);
    expect(slot).toMatchObject({ index: 2, key: null });
    expect(slot.buffer.byteOffset).toBe(2 * 8192);
    expect(slot.buffer.byteLength).toBe(8192);
    expect(pool.slot(2)).toBe(slot);
  });
  it('run() passes the slot, returns the result, restores on throw, refuses async', () => {
    using pool = createStripedPool({ slots: 2, slotBytes: 4096 });
    expect(pool.run(1, (slot) => { slot.buffer[0] = 9; return slot.index; })).toBe(1);
    expect(pool.slot(1).buffer[0]).toBe(9);
    expect(() => pool.run(0, () => { throw new Error('x'); })).toThrow('x');
    expect(() => pool.run(0, async () => 1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
  });
  it('refuses bad configurations and indexes with typed errors', () => {
    expect(() => createStripedPool({ slots: 0, slotBytes: 4096 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => createStripedPool({ slots: 1, slotBytes: 2 ** 47 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => createStripedPool(null as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    expect(() => createStripedPool({ slots: 1, slotBytes: 1, maxKeys: 16 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    using pool = createStripedPool({ slots: 2, slotBytes: 1 });
    expect(() => pool.slot(2)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => pool.slot(-1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => pool.run(0, 'nope' as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
  it('free() empties the views and later use is a typed error', () => {
    const pool = createStripedPool({ slots: 2, slotBytes: 1 });
    const view = pool.slot(0).buffer;
    pool.free();
    pool.free();
    expect(pool.freed).toBe(true);
    expect(view.byteLength).toBe(0);
    expect(() => pool.slot(0)).toThrow(expect.objectContaining({ code: 'ERR_MPK_POOL_FREED' }));
  });
});
