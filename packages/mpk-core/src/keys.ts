import * as sys from 'mpk-sys';
import { checkKeyCount, MpkError, show, type ProtectionKey, type Region, type RegionTarget } from 'mpk-disabled';
import { applyKey } from './protect.js';
import { adoptSharedKeys, state } from './state.js';

/**
 * A hardware key this library allocated. Keys are allocated once per process
 * and never freed, as in Wasmtime: pkey_free would let a later pkey_alloc hand
 * the same number out again while memory still carries it, and whoever got it
 * would gain access to that memory.
 */
class AllocatedKey implements ProtectionKey {
  constructor(
    readonly id: number,
    readonly stripe: number,
  ) {
    Object.freeze(this);
  }

  asStripe(): number {
    return this.stripe;
  }

  protect(region: Region | RegionTarget): void {
    applyKey(this.id, region, sys.PROT_READ | sys.PROT_WRITE);
  }

  reprotect(region: Region | RegionTarget, options: { readWrite: boolean }): void {
    const readWrite = (options as { readWrite?: unknown } | null | undefined)?.readWrite;
    if (typeof readWrite !== 'boolean') {
      throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `options.readWrite must be a boolean, got ${show(readWrite)}`, { argument: 'options.readWrite', value: readWrite });
    }
    applyKey(this.id, region, readWrite ? sys.PROT_READ | sys.PROT_WRITE : sys.PROT_NONE);
  }

  toString(): string {
    return `ProtectionKey(${this.id}, stripe ${this.stripe})`;
  }
}

let cache: readonly AllocatedKey[] | undefined;
const slices = new Map<number, readonly ProtectionKey[]>();

/**
 * Wasmtime's `keys(max)`: the first call that asks for keys allocates up to
 * `max` of them with pkey_alloc(0, 0) (no rights taken away on this thread)
 * until it has enough or the kernel runs out, and every later call gets the
 * first min(cached, max) of that list. A first call with max 0, or one made
 * where keys are unsupported, allocates nothing and leaves the cache unset.
 *
 * "First" is per process, not per thread: a worker thread's copy of this
 * module adopts the keys any other thread allocated (see adoptSharedKeys).
 */
export function keys(max: number, canAllocate: () => boolean): readonly ProtectionKey[] {
  const wanted = checkKeyCount(max);
  if (cache === undefined) {
    if (state.keyIds === undefined && !adoptSharedKeys()) {
      if (wanted === 0 || !canAllocate()) return Object.freeze([]);
      publish(allocateUpTo(wanted));
    }
    cache = Object.freeze((state.keyIds ?? []).map((id, stripe) => new AllocatedKey(id, stripe)));
  }
  const count = Math.min(cache.length, wanted);
  let slice = slices.get(count);
  if (slice === undefined) {
    slice = Object.freeze(cache.slice(0, count));
    slices.set(count, slice);
  }
  return slice;
}

export function heldKeyCount(): number {
  return state.keyIds?.length ?? 0;
}

/** Records freshly allocated keys for the process; if another thread got there first, ours go back. */
function publish(ids: number[]): void {
  const mask = ids.reduce((bits, id) => bits | (1 << id), 0);
  const inForce = sys.publishSharedKeySet(0, mask);
  if (inForce !== mask) {
    for (const id of ids) sys.pkeyFree(id);
  }
  if (!adoptSharedKeys() && ids.length === 0) state.keyIds = Object.freeze([]);
}

function allocateUpTo(count: number): number[] {
  const allocated: number[] = [];
  while (allocated.length < count) {
    let id: number;
    try {
      id = sys.pkeyAlloc(0, 0);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOSPC') break;
      throw error;
    }
    allocated.push(id);
  }
  return allocated.sort((a, b) => a - b);
}
