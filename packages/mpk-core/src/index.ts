/**
 * mpk-core: memory protection keys for Node.js, the enabled implementation.
 *
 * Tag page-aligned memory with a key (`keys()`, `allocate()`,
 * `key.protect(region)`), then switch the calling thread's access to every
 * region with that key by writing PKRU (`allow()`, `withMask()`, `enter()`):
 * one register write instead of an mprotect per region.
 */
export * from './enabled.js';
export { ProtectionMask, Region, StripedPool, MpkError, isMpkError, KEY_COUNT, calculateLayout } from 'mpk-disabled';
export type { Mpk, SupportStatus, MissingPiece, ProtectionKey, AllocateOptions, RegionTarget, MaskScope, MpkErrorCode, StripedPoolOptions, PoolSlot, PoolLayoutInfo, PoolLayout } from 'mpk-disabled';
export { owned as ownedBits } from './register.js';

export const implementation = 'enabled' as const;
