import type { Mpk, SupportStatus } from './api.js';
import type { ProtectionKey } from './key.js';
import { checkMask, ProtectionMask } from './mask.js';
import { createPoolFactory } from './pool/pool.js';
import { createAllocate, type MemoryBackend } from './region.js';
import { createScopes } from './scope.js';
import { checkKeyCount } from './validate.js';

/**
 * The disabled half, as Wasmtime's `disabled.rs`: the same API where protection
 * keys do not exist. No key can be made, so nothing is ever tagged and every
 * mask leaves memory as it is; masks still compute their PKRU values and
 * `allocate()` still hands out memory, so code written for keys runs unchanged.
 */

/** x86-64's base page; with no native code to ask, regions round up to it. */
const PAGE_SIZE = 4096;

const plainMemory: MemoryBackend = {
  pageSize: PAGE_SIZE,
  map: (length) => new ArrayBuffer(length),
  // Transferring detaches the buffer at once, as munmap does to a mapped one.
  unmap: (buffer) => void structuredClone(buffer, { transfer: [buffer] }),
  label: () => {},
};

const noKeys: readonly ProtectionKey[] = Object.freeze([]);

const status: SupportStatus = Object.freeze({
  supported: false,
  reason: 'the disabled implementation is in use: protection keys are never allocated',
  missing: 'forced',
});

export function isSupported(): boolean {
  return false;
}

export function supportStatus(): SupportStatus {
  return status;
}

export function keys(max: number): readonly ProtectionKey[] {
  checkKeyCount(max);
  return noKeys;
}

export function allow(mask: ProtectionMask): void {
  checkMask(mask);
}

export function currentMask(): ProtectionMask {
  return ProtectionMask.all();
}

export const allocate = createAllocate(plainMemory);

export const { withMask, enter } = createScopes({
  swap: () => 0,
  restore: () => {},
});

/** A plain pool: the same layout and API, one stripe, nothing tagged. */
export const createStripedPool = createPoolFactory({
  pageSize: PAGE_SIZE,
  keys,
  allocate,
  guard: () => {},
  withMask,
  checkMappingBudget: () => {},
});

({ isSupported, supportStatus, keys, allow, currentMask, allocate, withMask, enter, createStripedPool }) satisfies Mpk;
