import { MpkError, show } from '../errors.js';
import type { ProtectionKey } from '../key.js';
import { ProtectionMask } from '../mask.js';
import type { Region } from '../region.js';
import { checkFunction, checkInteger, checkOptionalLabel } from '../validate.js';
import { calculateLayout, stripeOf, type PoolLayout } from './layout.js';

export interface StripedPoolOptions {
  /** How many slots (tenants). */
  slots: number;
  /** Usable bytes per slot; rounded up to whole pages. */
  slotBytes: number;
  /** Bytes past each slot's end that must fault (default 0: use every key for isolation). */
  guardBytes?: number;
  /** At most this many keys for stripes (default 15). */
  maxKeys?: number;
  /** A label for fault reports and mapping listings. */
  label?: string;
}

export interface PoolSlot {
  readonly index: number;
  /** The key colouring this slot; null where keys are not available. */
  readonly key: ProtectionKey | null;
  /** Exactly the slot's usable memory. */
  readonly buffer: Uint8Array;
}

export interface PoolLayoutInfo extends PoolLayout {
  /** Key ids by stripe. */
  readonly keys: readonly number[];
}

/** What a pool needs from an implementation: memory, keys and scoped access. */
export interface PoolBackend {
  readonly pageSize: number;
  keys(max: number): readonly ProtectionKey[];
  allocate(bytes: number, options?: { label?: string }): Region;
  /** Makes `view` inaccessible (mprotect PROT_NONE); keeps its key. */
  guard(view: Uint8Array): void;
  withMask<T>(mask: ProtectionMask, fn: () => T): T;
  /** Throws a typed error when `count` more mappings would pass the kernel's limit. */
  checkMappingBudget(count: number): void;
}

/**
 * A slab of equally sized slots for many tenants in one process, coloured
 * with protection keys so that code running for one slot cannot touch the
 * slots of other stripes (see ./layout.ts for the layout and why it works).
 */
export class StripedPool implements Disposable {
  readonly #layout: PoolLayout;
  readonly #stripeKeys: readonly ProtectionKey[];
  readonly #region: Region;
  readonly #masks: readonly ProtectionMask[];
  readonly #withMask: PoolBackend['withMask'];
  readonly #slots: PoolSlot[] = [];

  /** @internal Use `createStripedPool()`. */
  constructor(layout: PoolLayout, stripeKeys: readonly ProtectionKey[], region: Region, withMask: PoolBackend['withMask']) {
    this.#layout = layout;
    this.#stripeKeys = stripeKeys;
    this.#region = region;
    this.#withMask = withMask;
    this.#masks = stripeKeys.length === 0 ? [ProtectionMask.all()] : stripeKeys.map((key) => ProtectionMask.zero().or(key));
  }

  get freed(): boolean {
    return this.#region.freed;
  }

  /** Slot `index`: its key and a view of exactly its usable bytes. */
  slot(index: number): PoolSlot {
    this.#checkIndex(index);
    let slot = this.#slots[index];
    if (slot === undefined) {
      const stripe = stripeOf(index, this.#layout);
      slot = Object.freeze({
        index,
        key: this.#stripeKeys[stripe] ?? null,
        buffer: new Uint8Array(this.#region.buffer, index * this.#layout.slotBytes, this.#layout.accessibleBytes),
      });
      this.#slots[index] = slot;
    }
    return slot;
  }

  /**
   * Runs `fn` with access to slot `index`'s stripe only (and to key-0 memory:
   * the rest of the process), then restores the caller's access, also on throw.
   * Synchronous only: PKRU is per thread, not per async context.
   */
  run<T>(index: number, fn: (slot: PoolSlot) => T): T {
    const slot = this.slot(index);
    checkFunction('fn', fn);
    const mask = this.#masks[stripeOf(index, this.#layout)] as ProtectionMask;
    return this.#withMask(mask, () => fn(slot));
  }

  /** The numbers, for inspection. */
  layout(): PoolLayoutInfo {
    return Object.freeze({ ...this.#layout, keys: Object.freeze(this.#stripeKeys.map((key) => key.id)) });
  }

  /** Unmaps the slab now; slot views become empty. Freeing twice is harmless. */
  free(): void {
    this.#region.free();
  }

  [Symbol.dispose](): void {
    this.free();
  }

  #checkIndex(index: number): void {
    if (this.#region.freed) throw new MpkError('ERR_MPK_POOL_FREED', 'the pool was freed', {});
    checkInteger('index', index, 0, this.#layout.slots - 1);
  }
}

function checkOptions(options: unknown): StripedPoolOptions {
  if (typeof options !== 'object' || options === null) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `options must be an object, got ${show(options)}`, { argument: 'options', value: options });
  }
  return options as StripedPoolOptions;
}

/** Builds `createStripedPool()` over an implementation's backend. */
export function createPoolFactory(backend: PoolBackend) {
  return function createStripedPool(options: StripedPoolOptions): StripedPool {
    const { slots, slotBytes, guardBytes = 0, maxKeys = 15, label } = checkOptions(options);
    checkOptionalLabel(label);
    checkInteger('maxKeys', maxKeys, 0, 15);
    // Validate the shape before asking for keys: a bad pool must not allocate anything.
    calculateLayout({ slots, slotBytes, guardBytes, keysAvailable: 0, pageSize: backend.pageSize });
    const available = backend.keys(maxKeys);
    const layout = calculateLayout({ slots, slotBytes, guardBytes, keysAvailable: available.length, pageSize: backend.pageSize });
    const stripeKeys = layout.stripes > 1 ? available.slice(0, layout.stripes) : available.slice(0, Math.min(1, available.length));
    // One VMA per differently tagged run of pages: each slot, and the guard.
    backend.checkMappingBudget(stripeKeys.length > 1 ? layout.slots + 1 : 2);

    const region = backend.allocate(layout.totalBytes, label === undefined ? {} : { label });
    try {
      if (stripeKeys.length > 0) {
        for (let index = 0; index < layout.slots; index++) {
          const key = stripeKeys[stripeOf(index, layout)] as ProtectionKey;
          key.protect(new Uint8Array(region.buffer, index * layout.slotBytes, layout.slotBytes));
        }
      }
      if (layout.postGuardBytes > 0) {
        backend.guard(new Uint8Array(region.buffer, layout.slots * layout.slotBytes, layout.postGuardBytes));
      }
    } catch (error) {
      region.free();
      throw error;
    }
    return new StripedPool(layout, stripeKeys, region, backend.withMask);
  };
}
