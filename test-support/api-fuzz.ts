/**
 * A fuzz driver for the protection-key API that mpk-core, mpk-disabled and
 * the umbrella `mpk` all implement (the `Mpk` interface, plus masks, Regions,
 * scopes and pools): random sequences of calls with arbitrary arguments
 * against a small pool of live and freed Regions and pools. Each call must do
 * what the API says (checked against the arguments: sizes rounded to pages,
 * masks computed bit by bit, scopes restoring the register, pool layouts
 * adding up) or throw an Error with an ERR_MPK_* or errno `code`.
 *
 * fast-check is a devDependency of the packages, not of the workspace root,
 * so the suites pass theirs in (`fc`); only its types are imported here.
 */
import type * as FastCheck from 'fast-check';
import { expect } from 'vitest';
import { Box, CallCounter, oddValues, PLANTED, showArgs, SPECIAL_NUMBERS, unboxDeep } from './reliability.js';

type Fc = typeof FastCheck;

interface Mask {
  readonly value: number;
  or(key: unknown): Mask;
  allows(key: unknown, access?: unknown): boolean;
}
interface MaskClass {
  all(): Mask;
  zero(): Mask;
  fromValue(value: unknown): Mask;
}
interface RegionLike {
  readonly buffer: ArrayBuffer;
  readonly byteLength: number;
  readonly freed: boolean;
  free(): void;
}
interface PoolLike {
  readonly freed: boolean;
  slot(index: unknown): { index: number; key: unknown; buffer: Uint8Array };
  run(index: unknown, fn: unknown): unknown;
  layout(): { slots: number; stripes: number; slotBytes: number; accessibleBytes: number; postGuardBytes: number; totalBytes: number; keys: readonly number[] };
  free(): void;
}
interface KeyLike {
  readonly id: number;
  readonly stripe: number;
  protect(region: unknown): void;
  reprotect(region: unknown, options: unknown): void;
}

/** What the driver calls: an implementation's exports (mpk-core, mpk-disabled or mpk). */
export interface ApiUnderTest {
  isSupported(): boolean;
  supportStatus(): { supported: boolean; reason: string };
  keys(max: unknown): readonly KeyLike[];
  allow(mask: unknown): void;
  currentMask(): Mask;
  allocate(bytes: unknown, options?: unknown): RegionLike;
  withMask(mask: unknown, fn: unknown): unknown;
  enter(mask: unknown): { previous: Mask; [Symbol.dispose](): void };
  createStripedPool(options: unknown): PoolLike;
  calculateLayout(constraints: unknown): unknown;
  isMpkError(value: unknown): boolean;
  ProtectionMask: MaskClass;
  implementation?: string;
}

export interface ApiFuzzOptions {
  /** Page size of the implementation's memory. */
  page: number;
  runs: number;
  /** Whether Regions are mpk-sys mappings (liveMappings() counts them). */
  liveMappings?: () => number;
  /**
   * Sizes above this are not asked for (see where it is used).
   * Leave it unset for an implementation that refuses what it cannot map.
   */
  maxBytes?: number;
}

/** Plain values and functions that can be handed where a callback is expected. */
function callbacks(): unknown[] {
  return [
    () => 7,
    () => undefined,
    () => {
      throw PLANTED;
    },
    async () => 7,
    function* generator() {
      yield 1;
    },
    async function* asyncGenerator() {
      yield 1;
    },
    () => Promise.resolve(7),
    () => ({ then: (resolve: (v: number) => void) => resolve(7) }),
  ];
}

/**
 * Runs the API fuzz and returns the number of calls made. `extra` lets a
 * suite add actions of its own (the umbrella's fault reporter, say): it gets
 * the counter and the odd values, and returns arbitraries of thunks.
 */
export function fuzzApi(fc: Fc, api: ApiUnderTest, options: ApiFuzzOptions, counter = new CallCounter()): number {
  const { page } = options;
  const odd = oddValues(page);
  const fns = callbacks();
  const weird = fc.oneof(
    { weight: 3, arbitrary: fc.nat({ max: odd.length - 1 }).map((index) => new Box(index)) },
    { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NUMBERS) },
    { weight: 1, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.bigInt() },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
  );

  // ---- state -----------------------------------------------------------------------
  const regions: RegionLike[] = [];
  const freedRegions: RegionLike[] = [];
  const pools: PoolLike[] = [];
  const freedPools: PoolLike[] = [];
  const masks: Mask[] = [api.ProtectionMask.all(), api.ProtectionMask.zero()];
  const realKeys = api.keys(15);
  const baseline = options.liveMappings?.();

  /** A reference to something in the state, or a weird value; resolved when the call is made. */
  type Ref = { ref: 'region' | 'freedRegion' | 'pool' | 'freedPool' | 'mask' | 'key' | 'fakeKey' | 'view' | 'callback'; pick: number } | { ref: 'weird'; value: unknown };
  type Kind = 'region' | 'freedRegion' | 'pool' | 'freedPool' | 'mask' | 'key' | 'fakeKey' | 'view' | 'callback';
  /** An argument: something from the state, or a weird value. */
  const refArb = (...kinds: Kind[]): FastCheck.Arbitrary<Ref> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ ref: fc.constantFrom(...kinds), pick: fc.nat() }) },
      { weight: 1, arbitrary: weird.map((value) => ({ ref: 'weird' as const, value })) },
    );
  /** The object a method is called on: always a real one of its class (a live or a freed one). */
  const receiverArb = (...kinds: Kind[]): FastCheck.Arbitrary<Ref> => fc.record({ ref: fc.constantFrom(...kinds), pick: fc.nat() });
  function resolve(r: Ref): unknown {
    const pick = <T>(list: readonly T[]): T | undefined => (list.length === 0 ? undefined : list[r.ref === 'weird' ? 0 : r.pick % list.length]);
    switch (r.ref) {
      case 'weird':
        return r.value;
      case 'region':
        return pick(regions);
      case 'freedRegion':
        return pick(freedRegions);
      case 'pool':
        return pick(pools);
      case 'freedPool':
        return pick(freedPools);
      case 'mask':
        return pick(masks);
      case 'key':
        return pick(realKeys);
      case 'fakeKey':
        // Something shaped like a key: masks only read `id`.
        return { id: r.pick % 20 - 2, stripe: 0 };
      case 'view': {
        const region = pick(regions);
        if (region === undefined || region.freed) return undefined;
        const offset = (r.pick % 3) * page + (r.pick % 5 === 0 ? 3 : 0);
        return offset < region.byteLength ? new Uint8Array(region.buffer, offset) : region.buffer;
      }
      case 'callback':
        return fns[r.pick % fns.length];
    }
  }

  const sizeArb = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 * page }) },
    { weight: 1, arbitrary: fc.integer({ min: -page, max: 2 ** 40 }) },
    { weight: 2, arbitrary: weird },
  );
  const labelArb = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 20 }), weird);
  const optionsArb = fc.oneof(
    { weight: 4, arbitrary: fc.record({ label: labelArb }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: weird },
  );
  const poolOptionsArb = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record(
        {
          slots: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 1, arbitrary: weird }),
          slotBytes: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 * page }) }, { weight: 1, arbitrary: weird }),
          guardBytes: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 * page }) }, { weight: 1, arbitrary: weird }),
          maxKeys: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }) }, { weight: 1, arbitrary: weird }),
          label: labelArb,
        },
        { requiredKeys: ['slots', 'slotBytes'] },
      ),
    },
    { weight: 1, arbitrary: weird },
  );

  type Action =
    | { fn: 'isSupported' | 'supportStatus' | 'currentMask' }
    | { fn: 'keys'; max: unknown }
    | { fn: 'allow' | 'enter'; mask: Ref }
    | { fn: 'allocate'; bytes: unknown; options: unknown; withOptions: boolean }
    | { fn: 'free'; region: Ref }
    | { fn: 'withMask'; mask: Ref; callback: Ref; nested: boolean }
    | { fn: 'createStripedPool'; options: unknown }
    | { fn: 'poolSlot' | 'poolRun'; pool: Ref; index: unknown; callback: Ref }
    | { fn: 'poolLayout' | 'poolFree'; pool: Ref }
    | { fn: 'calculateLayout'; constraints: unknown }
    | { fn: 'fromValue'; value: unknown }
    | { fn: 'or'; mask: Ref; key: Ref }
    | { fn: 'allows'; mask: Ref; key: Ref; access: unknown }
    | { fn: 'protect'; key: Ref; target: Ref; readWrite: unknown; re: boolean }
    | { fn: 'isMpkError'; value: unknown };

  const indexArb = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -1, max: 21 }) }, { weight: 1, arbitrary: weird });
  const actionArb: FastCheck.Arbitrary<Action> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ fn: fc.constantFrom('isSupported' as const, 'supportStatus' as const, 'currentMask' as const) }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constant('keys' as const), max: fc.oneof(fc.integer({ min: -2, max: 20 }), weird) }) },
    { weight: 3, arbitrary: fc.record({ fn: fc.constantFrom('allow' as const, 'enter' as const), mask: refArb('mask', 'region', 'fakeKey') }) },
    { weight: 4, arbitrary: fc.record({ fn: fc.constant('allocate' as const), bytes: sizeArb, options: optionsArb, withOptions: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constant('free' as const), region: receiverArb('region', 'region', 'freedRegion') }) },
    { weight: 3, arbitrary: fc.record({ fn: fc.constant('withMask' as const), mask: refArb('mask', 'mask', 'key', 'region'), callback: refArb('callback'), nested: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constant('createStripedPool' as const), options: poolOptionsArb }) },
    { weight: 3, arbitrary: fc.record({ fn: fc.constantFrom('poolSlot' as const, 'poolRun' as const), pool: receiverArb('pool', 'pool', 'freedPool'), index: indexArb, callback: refArb('callback') }) },
    { weight: 1, arbitrary: fc.record({ fn: fc.constantFrom('poolLayout' as const, 'poolFree' as const), pool: receiverArb('pool', 'freedPool') }) },
    {
      weight: 2,
      arbitrary: fc.record({
        fn: fc.constant('calculateLayout' as const),
        constraints: fc.oneof(
          fc.record({ slots: indexArb, slotBytes: sizeArb, guardBytes: sizeArb, keysAvailable: fc.oneof(fc.integer({ min: -1, max: 16 }), weird), pageSize: fc.constantFrom(page, 0, -1, 3, NaN) }),
          weird,
        ),
      }),
    },
    { weight: 3, arbitrary: fc.record({ fn: fc.constant('fromValue' as const), value: fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer(), weird) }) },
    { weight: 3, arbitrary: fc.record({ fn: fc.constant('or' as const), mask: receiverArb('mask'), key: refArb('key', 'fakeKey', 'region') }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constant('allows' as const), mask: receiverArb('mask'), key: refArb('key', 'fakeKey'), access: fc.oneof(fc.constantFrom('read', 'write', undefined), weird) }) },
    { weight: 2, arbitrary: fc.record({ fn: fc.constant('protect' as const), key: receiverArb('key'), target: refArb('region', 'view', 'freedRegion', 'pool'), readWrite: fc.oneof(fc.boolean(), weird), re: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ fn: fc.constant('isMpkError' as const), value: weird }) },
  );

  const M = api.ProtectionMask;
  const isMask = (value: unknown): value is Mask => {
    try {
      return value instanceof (M as unknown as abstract new () => unknown);
    } catch {
      return false; // a hostile proxy: not a mask
    }
  };
  const isInteger = (value: unknown, min: number, max: number): value is number => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  const keyIdOf = (key: unknown): number | undefined => {
    try {
      const id = (key as { id?: unknown } | null)?.id;
      return typeof key === 'object' && key !== null && isInteger(id, 1, 15) ? id : undefined;
    } catch {
      return undefined;
    }
  };

  /** What a pool with these options would allocate, at most (one stripe); 0 when the options are refused anyway. */
  function poolBytes(poolOptions: unknown): number {
    try {
      const o = poolOptions as { slots: unknown; slotBytes: unknown; guardBytes?: unknown };
      const layout = api.calculateLayout({ slots: o.slots, slotBytes: o.slotBytes, guardBytes: o.guardBytes ?? 0, keysAvailable: 0, pageSize: page }) as { totalBytes: number };
      return layout.totalBytes;
    } catch {
      return 0;
    }
  }

  function keep(region: RegionLike): void {
    if (region.byteLength > 64 * page || regions.length >= 6) {
      region.free();
      freedRegions.push(region);
    } else {
      regions.push(region);
    }
    if (freedRegions.length > 8) freedRegions.shift();
  }

  function run(action: Action): void {
    switch (action.fn) {
      case 'isSupported':
      case 'supportStatus':
      case 'currentMask': {
        const r = counter.call(action.fn, () => (api[action.fn] as () => unknown)());
        expect(r.ok, `${action.fn}() threw`).toBe(true);
        if (r.ok && action.fn === 'isSupported') expect(typeof r.value).toBe('boolean');
        if (r.ok && action.fn === 'supportStatus') expect(r.value).toMatchObject({ supported: expect.any(Boolean), reason: expect.any(String) });
        if (r.ok && action.fn === 'currentMask') expect(isMask(r.value)).toBe(true);
        return;
      }
      case 'keys': {
        const r = counter.call('keys', () => api.keys(action.max), () => showArgs(action.max));
        expect(r.ok, `keys(${showArgs(action.max)})`).toBe(isInteger(action.max, 0, Number.MAX_SAFE_INTEGER));
        if (r.ok) {
          expect(Object.isFrozen(r.value)).toBe(true);
          expect(r.value.length).toBe(Math.min(action.max as number, realKeys.length) + 0); // + 0: -0 asks for none
        }
        return;
      }
      case 'allow': {
        const mask = resolve(action.mask);
        const r = counter.call('allow', () => api.allow(mask), () => showArgs(mask));
        expect(r.ok, `allow(${showArgs(mask)})`).toBe(isMask(mask));
        // Leave every key of ours open again for the actions that follow.
        if (r.ok) api.allow(M.all());
        return;
      }
      case 'enter': {
        const mask = resolve(action.mask);
        const before = api.currentMask().value;
        const r = counter.call('enter', () => api.enter(mask), () => showArgs(mask));
        expect(r.ok, `enter(${showArgs(mask)})`).toBe(isMask(mask));
        if (r.ok) {
          expect(r.value.previous.value).toBe(before);
          const dispose = counter.call('scope[Symbol.dispose]', () => r.value[Symbol.dispose]());
          expect(dispose.ok).toBe(true);
          counter.call('scope[Symbol.dispose] again', () => r.value[Symbol.dispose]());
          expect(api.currentMask().value).toBe(before);
        }
        return;
      }
      case 'allocate': {
        // An implementation that cannot refuse what it cannot map may set maxBytes (none does now:
        // allocate() refuses sizes above buffer.constants.MAX_LENGTH with ERR_MPK_OUT_OF_RANGE).
        if (options.maxBytes !== undefined && typeof action.bytes === 'number' && action.bytes > options.maxBytes) return;
        const before = options.liveMappings?.();
        const r = counter.call('allocate', () => (action.withOptions ? api.allocate(action.bytes, action.options) : api.allocate(action.bytes)), () => showArgs(action.bytes, action.options));
        const validOptions = !action.withOptions || action.options === undefined || (typeof action.options === 'object' && action.options !== null);
        if (r.ok) {
          expect(isInteger(action.bytes, 1, Number.MAX_SAFE_INTEGER) && validOptions, `allocate(${showArgs(action.bytes, action.options)}) succeeded`).toBe(true);
          expect(r.value.byteLength).toBe(Math.ceil((action.bytes as number) / page) * page);
          expect(r.value.buffer.byteLength).toBe(r.value.byteLength);
          expect(r.value.freed).toBe(false);
          if (before !== undefined) expect(options.liveMappings!()).toBe(before + 1);
          keep(r.value);
        } else if (before !== undefined) {
          expect(options.liveMappings!()).toBe(before);
        }
        return;
      }
      case 'free': {
        const region = resolve(action.region) as RegionLike | undefined;
        if (region === undefined) return;
        const wasFreed = (region as { freed?: unknown }).freed;
        const r = counter.call('free', () => (region as RegionLike).free(), () => showArgs(region));
        if (r.ok && typeof wasFreed === 'boolean') {
          expect(region.freed).toBe(true);
          expect(region.buffer.byteLength).toBe(0);
          if (!wasFreed) {
            regions.splice(regions.indexOf(region), 1);
            freedRegions.push(region);
          }
        }
        return;
      }
      case 'withMask': {
        const mask = resolve(action.mask);
        const fn = resolve(action.callback);
        const before = api.currentMask().value;
        const call = action.nested && typeof fn === 'function' ? () => api.withMask(M.zero(), () => api.withMask(mask, fn)) : () => api.withMask(mask, fn);
        const r = counter.call('withMask', call, () => showArgs(mask, fn));
        expect(api.currentMask().value, 'the mask in force after withMask()').toBe(before);
        if (!isMask(mask) || typeof fn !== 'function') {
          expect(r.ok).toBe(false);
          return;
        }
        const kind = Object.prototype.toString.call(fn);
        if (kind !== '[object Function]') {
          expect(!r.ok && r.error.code, `withMask(${kind})`).toBe('ERR_MPK_ASYNC_SCOPE');
        } else if (fn === fns[2]) {
          expect(!r.ok && r.error).toBe(PLANTED);
        } else if (fn === fns[6] || fn === fns[7]) {
          expect(!r.ok && r.error.code, 'a callback that returned a thenable').toBe('ERR_MPK_ASYNC_SCOPE');
        } else {
          expect(r.ok && r.value).toBe((fn as () => unknown)());
        }
        return;
      }
      case 'createStripedPool': {
        if (options.maxBytes !== undefined && poolBytes(action.options) > options.maxBytes) return; // as for allocate
        const before = options.liveMappings?.();
        const r = counter.call('createStripedPool', () => api.createStripedPool(action.options), () => showArgs(action.options));
        if (r.ok) {
          const layout = r.value.layout();
          const o = action.options as { slots: number; slotBytes: number };
          expect(layout.slots).toBe(o.slots);
          expect(layout.accessibleBytes).toBe(Math.ceil(o.slotBytes / page) * page);
          expect(layout.totalBytes).toBe(layout.slots * layout.slotBytes + layout.postGuardBytes);
          expect(layout.keys.length).toBeLessThanOrEqual(Math.max(1, layout.stripes));
          if (before !== undefined) expect(options.liveMappings!()).toBe(before + 1);
          pools.push(r.value);
          if (pools.length > 3) {
            const old = pools.shift()!;
            old.free();
            freedPools.push(old);
            if (freedPools.length > 4) freedPools.shift();
          }
        } else if (before !== undefined) {
          expect(options.liveMappings!()).toBe(before);
        }
        return;
      }
      case 'poolSlot':
      case 'poolRun': {
        const pool = resolve(action.pool) as PoolLike | undefined;
        if (pool === undefined) return;
        const fn = action.fn === 'poolRun' ? resolve(action.callback) : undefined;
        const live = pools.includes(pool);
        const layout = live ? pool.layout() : undefined;
        const before = api.currentMask().value;
        const r = counter.call(action.fn, () => (action.fn === 'poolSlot' ? pool.slot(action.index) : pool.run(action.index, fn)), () => showArgs(action.index, fn));
        expect(api.currentMask().value).toBe(before);
        const validIndex = layout !== undefined && isInteger(action.index, 0, layout.slots - 1);
        if (!validIndex) expect(r.ok, `${action.fn}(${showArgs(action.index)}) on ${live ? 'a live' : 'a freed or foreign'} pool`).toBe(false);
        if (r.ok && action.fn === 'poolSlot') {
          const slot = r.value as { index: number; buffer: Uint8Array };
          // === rather than Object.is: slot(-0) is slot 0.
          expect(slot.index === action.index).toBe(true);
          expect(slot.buffer.byteLength).toBe(layout!.accessibleBytes);
          expect(slot.buffer.byteOffset === (action.index as number) * layout!.slotBytes).toBe(true);
        }
        return;
      }
      case 'poolLayout':
      case 'poolFree': {
        const pool = resolve(action.pool) as PoolLike | undefined;
        if (pool === undefined) return;
        const r = counter.call(action.fn, () => (action.fn === 'poolLayout' ? pool.layout() : pool.free()));
        expect(r.ok, `${action.fn}() threw`).toBe(true);
        if (action.fn === 'poolFree' && pools.includes(pool)) {
          pools.splice(pools.indexOf(pool), 1);
          freedPools.push(pool);
          expect(pool.freed).toBe(true);
        }
        return;
      }
      case 'calculateLayout': {
        const r = counter.call('calculateLayout', () => api.calculateLayout(action.constraints), () => showArgs(action.constraints));
        if (r.ok) {
          const layout = r.value as { slots: number; slotBytes: number; postGuardBytes: number; totalBytes: number; stripes: number; accessibleBytes: number };
          expect(layout.totalBytes).toBe(layout.slots * layout.slotBytes + layout.postGuardBytes);
          expect(layout.slotBytes).toBeGreaterThanOrEqual(layout.accessibleBytes);
          expect(layout.stripes).toBeGreaterThanOrEqual(1);
        }
        return;
      }
      case 'fromValue': {
        const r = counter.call('ProtectionMask.fromValue', () => M.fromValue(action.value), () => showArgs(action.value));
        expect(r.ok, `fromValue(${showArgs(action.value)})`).toBe(isInteger(action.value, 0, 0xffffffff));
        if (r.ok) {
          expect(r.value.value).toBe((action.value as number) >>> 0);
          masks.push(r.value);
          if (masks.length > 12) masks.splice(2, 1);
        }
        return;
      }
      case 'or': {
        const mask = resolve(action.mask) as Mask;
        const key = resolve(action.key);
        const id = keyIdOf(key);
        const r = counter.call('mask.or', () => mask.or(key), () => showArgs(key));
        expect(r.ok, `or(${showArgs(key)})`).toBe(id !== undefined);
        if (r.ok) {
          expect(r.value.value).toBe((mask.value & ~(0b11 << (2 * id!))) >>> 0);
          masks.push(r.value);
          if (masks.length > 12) masks.splice(2, 1);
        }
        return;
      }
      case 'allows': {
        const mask = resolve(action.mask) as Mask;
        const key = resolve(action.key);
        const id = keyIdOf(key);
        const r = counter.call('mask.allows', () => mask.allows(key, action.access), () => showArgs(key, action.access));
        if (id === undefined) expect(r.ok).toBe(false);
        if (r.ok) {
          const bits = (mask.value >>> (2 * id!)) & 0b11;
          expect(r.value).toBe(action.access === 'read' ? (bits & 1) === 0 : bits === 0);
        }
        return;
      }
      case 'protect': {
        const key = resolve(action.key) as KeyLike | undefined;
        if (key === undefined) return; // no keys here
        const target = resolve(action.target);
        const r = counter.call(action.re ? 'key.reprotect' : 'key.protect', () => (action.re ? key.reprotect(target, { readWrite: action.readWrite }) : key.protect(target)), () => showArgs(target, action.readWrite));
        if (r.ok && action.re) expect(typeof action.readWrite).toBe('boolean');
        return;
      }
      case 'isMpkError': {
        const r = counter.call('isMpkError', () => api.isMpkError(action.value), () => showArgs(action.value));
        if (r.ok) expect(typeof r.value).toBe('boolean');
        return;
      }
    }
  }

  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  try {
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 10, maxLength: 30 }), (actions) => {
        for (const action of actions) run(unboxDeep(action, odd));
      }),
      { numRuns: options.runs },
    );
  } finally {
    Error.stackTraceLimit = stackLimit;
    for (const region of regions.splice(0)) region.free();
    for (const pool of pools.splice(0)) pool.free();
    api.allow(M.all());
  }
  if (baseline !== undefined) expect(options.liveMappings!()).toBe(baseline);
  return counter.calls;
}
