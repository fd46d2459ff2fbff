import * as sys from 'mpk-sys';
import { createAllocate, createPoolFactory, createScopes, type Mpk, type ProtectionKey, type SupportStatus } from 'mpk-disabled';
import { checkMappingBudget } from './mapping-budget.js';
import { heldKeyCount, keys as cachedKeys } from './keys.js';
import { mappedMemory } from './memory.js';
import { allow, currentMask, register } from './register.js';
import { detectSupport } from './support.js';

/**
 * The enabled half, as Wasmtime's `enabled.rs`, with three changes for Node:
 * support means PKU and OSPKE on any vendor; allow() leaves other owners' keys
 * alone; and memory to tag comes from the library's own mappings.
 */
let status: SupportStatus | undefined;

export function supportStatus(): SupportStatus {
  // A negative answer may change when other code frees keys; a positive one cannot.
  if (status?.supported) return status;
  status = detectSupport(heldKeyCount());
  return status;
}

export function isSupported(): boolean {
  return supportStatus().supported;
}

export function keys(max: number): readonly ProtectionKey[] {
  return cachedKeys(max, isSupported);
}

export { allow, currentMask };

export const allocate = createAllocate(mappedMemory);

export const { withMask, enter } = createScopes(register);

/** Striped pools over mapped memory: slots tagged with keys, the tail guard made PROT_NONE. */
export const createStripedPool = createPoolFactory({
  pageSize: mappedMemory.pageSize,
  keys,
  allocate,
  guard: (view) => sys.mprotect(view, sys.PROT_NONE),
  withMask,
  checkMappingBudget,
});

({ isSupported, supportStatus, keys, allow, currentMask, allocate, withMask, enter, createStripedPool }) satisfies Mpk;
