/**
 * mpk: memory protection keys for Node.js.
 *
 * Intel and AMD CPUs with PKU let a process tag pages with one of 16 keys and
 * then switch a thread's access to every page of a key with one register write
 * (WRPKRU, some tens of cycles) instead of an mprotect call per region (a
 * syscall and a TLB shootdown). This package picks the enabled implementation
 * (mpk-core) where it can run and the disabled one (mpk-disabled) elsewhere, at
 * load time, and says why in `implementationReason`.
 */
import * as core from 'mpk-core';
import * as disabled from 'mpk-disabled';
import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import type { Mpk } from 'mpk-disabled';
import { chooseImplementation } from './select.js';

function nativeLoadError(): string | null {
  if (!sys.available) return `mpk-sys: ${sys.unavailableReason}`;
  if (!pkru.available) return `mpk-pkru: ${pkru.unavailableReason}`;
  return null;
}

const selection = chooseImplementation({
  platform: process.platform,
  arch: process.arch,
  env: process.env,
  nativeLoadError: nativeLoadError(),
});

const chosen: Mpk = selection.implementation === 'enabled' ? core : disabled;

/** 'enabled' (mpk-core) or 'disabled' (mpk-disabled). */
export const implementation = selection.implementation;
/** Why that implementation was picked. */
export const implementationReason = selection.reason;

export const { isSupported, supportStatus, keys, allow, currentMask, allocate, withMask, enter, createStripedPool } = chosen;

export { ProtectionMask, Region, StripedPool, MpkError, isMpkError, KEY_COUNT, calculateLayout } from 'mpk-disabled';
export type { Mpk, SupportStatus, MissingPiece, ProtectionKey, AllocateOptions, RegionTarget, MaskScope, MpkErrorCode, StripedPoolOptions, PoolSlot, PoolLayoutInfo, PoolLayout } from 'mpk-disabled';
export { chooseImplementation } from './select.js';
export type { ImplementationName, Selection, SelectionInput } from './select.js';
export { installFaultReporter, mappings, explainError } from './faults/index.js';
export type { FaultReporter, FaultReporterOptions, Mapping } from './faults/index.js';
