/**
 * mpk-disabled: the protection-key API with nothing behind it, for platforms
 * and processes where keys cannot be used. It is also where the parts both
 * halves share live (masks, regions, scopes, errors, the API type), so the
 * enabled implementation in mpk-core reuses them instead of writing them twice.
 */
export * from './disabled.js';
export type { Mpk, SupportStatus, MissingPiece } from './api.js';
export type { ProtectionKey } from './key.js';
export { ProtectionMask, KEY_COUNT, checkMask } from './mask.js';
export { Region, createAllocate, regionOf, targetOf } from './region.js';
export type { AllocateOptions, MemoryBackend, RegionTarget } from './region.js';
export { createScopes } from './scope.js';
export type { MaskRegister, MaskScope } from './scope.js';
export { StripedPool, createPoolFactory } from './pool/pool.js';
export type { StripedPoolOptions, PoolSlot, PoolLayoutInfo, PoolBackend } from './pool/pool.js';
export { calculateLayout, stripeOf, MAX_SLAB_BYTES } from './pool/layout.js';
export type { PoolConstraints, PoolLayout } from './pool/layout.js';
export { MpkError, isMpkError, show } from './errors.js';
export type { MpkErrorCode } from './errors.js';
export { checkInteger, checkKeyCount, MAX_KEYS } from './validate.js';

export const implementation = 'disabled' as const;
