/**
 * Keys belong to the process, not to a copy of this module. If both the ESM and
 * the CJS build of mpk-core end up loaded (an app that imports one and a
 * dependency that requires the other), two module-level caches would allocate
 * two sets of keys and each would think it owned only its own bits. So the
 * state lives on globalThis under a registered symbol and every copy shares it.
 */
export interface CoreState {
  /** The allocated keys' ids in stripe order, once allocated. */
  keyIds: readonly number[] | undefined;
  /** The PKRU bits of those keys: the only bits allow() changes. */
  ownedBits: number;
}

const STATE = Symbol.for('mpk-core.state.v1');

export const state: CoreState = ((globalThis as { [STATE]?: CoreState })[STATE] ??= { keyIds: undefined, ownedBits: 0 });
