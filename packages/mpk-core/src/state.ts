import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';

/**
 * Keys belong to the process, not to a copy of this module. If both the ESM and
 * the CJS build of mpk-core end up loaded (an app that imports one and a
 * dependency that requires the other), two module-level caches would allocate
 * two sets of keys and each would think it owned only its own bits. So the
 * state lives on globalThis under a registered symbol and every copy shares it.
 * A worker thread is a new isolate with a new globalThis; across those, the key
 * set is also published in mpk-sys's process-wide record and adopted from it.
 */
export interface CoreState {
  /** The allocated keys' ids in stripe order, once allocated. */
  keyIds: readonly number[] | undefined;
  /** The PKRU bits of those keys: the only bits allow() changes. */
  ownedBits: number;
}

const STATE = Symbol.for('mpk-core.state.v1');

export const state: CoreState = ((globalThis as { [STATE]?: CoreState })[STATE] ??= { keyIds: undefined, ownedBits: 0 });

/**
 * Adds keys' PKRU bits to the ones allow() may change; bits only ever get
 * added. mpk-pkru keeps the same set in its addon, where the native switches
 * read it.
 */
export function own(keyIds: readonly number[]): void {
  for (const id of keyIds) state.ownedBits = (state.ownedBits | pkru.keyBits(id)) >>> 0;
  if (pkru.available && state.ownedBits !== 0) pkru.ownBits(state.ownedBits);
}

/**
 * Takes on the keys another thread of this process published, if any. Keys
 * go in ascending order, which is also the order pkey_alloc hands them out
 * in, so every thread agrees on which key is which stripe.
 */
export function adoptSharedKeys(): boolean {
  if (state.keyIds !== undefined) return true;
  if (!sys.available) return false;
  const mask = sys.sharedKeySet();
  if (mask === 0) return false;
  const ids: number[] = [];
  for (let id = 1; id < 16; id++) if ((mask & (1 << id)) !== 0) ids.push(id);
  state.keyIds = Object.freeze(ids);
  own(ids);
  return true;
}

