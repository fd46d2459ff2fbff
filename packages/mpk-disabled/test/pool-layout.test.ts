import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calculateLayout, stripeOf, type PoolConstraints } from '../src/index.js';

const KiB = 1024;
const page = 4096;

describe('calculateLayout: known layouts', () => {
  it('no keys: slots back to back, one stripe (Wasmtime test_memory_pool: 5 slots of 64 KiB)', () => {
    expect(calculateLayout({ slots: 5, slotBytes: 64 * KiB, guardBytes: 0, keysAvailable: 0, pageSize: page })).toMatchObject({
      stripes: 1, slotBytes: 64 * KiB, postGuardBytes: 0, totalBytes: 5 * 64 * KiB,
    });
  });
  it('a guard as large as a slot needs two stripes: the neighbour is the guard', () => {
    // faulting region 128 KiB = 2 slots; each slot keeps 64 KiB; the last one gets a real 64 KiB guard.
    expect(calculateLayout({ slots: 10, slotBytes: 64 * KiB, guardBytes: 64 * KiB, keysAvailable: 15, pageSize: page })).toMatchObject({
      stripes: 2, slotBytes: 64 * KiB, postGuardBytes: 64 * KiB, totalBytes: 11 * 64 * KiB,
    });
  });
  it('fewer slots than the guard wants stripes: stripes capped by slots, slots grow to cover the guard', () => {
    // faulting region 320 KiB would take 5 stripes; 3 slots allow 3, so each slot is ceil(320 KiB / 3) = 27 pages.
    expect(calculateLayout({ slots: 3, slotBytes: 64 * KiB, guardBytes: 256 * KiB, keysAvailable: 15, pageSize: page })).toMatchObject({
      stripes: 3, slotBytes: 27 * page, postGuardBytes: 320 * KiB - 27 * page,
    });
  });
  it('a 2 GiB guard with 15 keys (the ColorGuard setting): 15 stripes share the guard', () => {
    const layout = calculateLayout({ slots: 64, slotBytes: 64 * KiB, guardBytes: 2 * 1024 * 1024 * KiB, keysAvailable: 15, pageSize: page });
    expect(layout.stripes).toBe(15);
    expect(layout.slotBytes).toBe(Math.ceil((2 ** 31 + 2 ** 16) / 15 / page) * page);
    // Without stripes each slot would need 2 GiB + 64 KiB; with them about 1/15 of that.
    expect(layout.slotBytes * 14).toBeLessThan(2 ** 31 + 2 ** 16);
  });
  it('no guard: every key is used, so neighbours are as far apart in colour as possible', () => {
    expect(calculateLayout({ slots: 1000, slotBytes: 100, guardBytes: 0, keysAvailable: 14, pageSize: page })).toMatchObject({
      stripes: 14, slotBytes: page, accessibleBytes: page, postGuardBytes: 0, totalBytes: 1000 * page,
    });
  });
  it('rejects bad configurations with typed errors', () => {
    const base: PoolConstraints = { slots: 1, slotBytes: page, guardBytes: 0, keysAvailable: 2, pageSize: page };
    expect(() => calculateLayout({ ...base, slots: 0 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => calculateLayout({ ...base, slotBytes: 0 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => calculateLayout({ ...base, slotBytes: 2 ** 50 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => calculateLayout({ ...base, slots: 2 ** 20, slotBytes: 2 ** 30 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_POOL_TOO_LARGE' }));
    expect(() => calculateLayout({ ...base, guardBytes: -1 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => calculateLayout({ ...base, slots: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
});

describe('calculateLayout: invariants (property)', () => {
  const constraints = fc.record({
    slots: fc.integer({ min: 1, max: 5000 }),
    slotBytes: fc.integer({ min: 1, max: 1 << 26 }),
    guardBytes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1 << 30 })),
    keysAvailable: fc.integer({ min: 0, max: 15 }),
    pageSize: fc.constantFrom(4096, 16384, 65536),
  });

  it('slots never overlap, lie inside the slab, are page-aligned, and neighbours differ in stripe', () => {
    fc.assert(
      fc.property(constraints, (c) => {
        const layout = calculateLayout(c);
        const aligned = (n: number) => n % c.pageSize === 0;
        expect(aligned(layout.slotBytes) && aligned(layout.postGuardBytes) && aligned(layout.totalBytes) && aligned(layout.accessibleBytes)).toBe(true);
        expect(layout.slotBytes).toBeGreaterThanOrEqual(layout.accessibleBytes);
        expect(layout.accessibleBytes).toBeGreaterThanOrEqual(c.slotBytes);
        expect(layout.totalBytes).toBe(layout.slots * layout.slotBytes + layout.postGuardBytes);
        // Slot i is [i * slotBytes, i * slotBytes + accessibleBytes): disjoint from slot i+1 and inside the slab.
        const last = layout.slots - 1;
        expect(last * layout.slotBytes + layout.accessibleBytes).toBeLessThanOrEqual(layout.totalBytes);
        expect(layout.stripes).toBeGreaterThanOrEqual(1);
        expect(layout.stripes).toBeLessThanOrEqual(Math.max(1, Math.min(c.keysAvailable, c.slots)));
        if (layout.stripes > 1) {
          for (let i = 0; i < Math.min(layout.slots - 1, 50); i++) expect(stripeOf(i, layout)).not.toBe(stripeOf(i + 1, layout));
        }
        // The promise a guard makes: from a slot's start, slotBytes + guardBytes fault-free-or-faulting bytes
        // lie before the next slot of the same stripe, and the last slot's guard covers the same.
        if (layout.stripes > 1) expect(layout.slotBytes * layout.stripes).toBeGreaterThanOrEqual(layout.accessibleBytes + c.guardBytes);
        expect(layout.slotBytes + layout.postGuardBytes).toBeGreaterThanOrEqual(layout.accessibleBytes + c.guardBytes);
      }),
      { numRuns: 2000 },
    );
  });
});
