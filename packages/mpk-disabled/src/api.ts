import type { ProtectionKey } from './key.js';
import type { ProtectionMask } from './mask.js';
import type { AllocateOptions, Region } from './region.js';
import type { MaskScope } from './scope.js';
import type { StripedPool, StripedPoolOptions } from './pool/pool.js';

/** What is missing when keys cannot be used, from the outside in. */
export type MissingPiece =
  | 'forced' // MPK_DISABLE=1 or the disabled package chosen on purpose
  | 'platform' // not Linux on x86-64
  | 'binding' // the native addon did not load
  | 'cpu' // CPUID.(EAX=7,ECX=0):ECX[PKU] clear
  | 'os' // CPUID OSPKE clear: the kernel did not set CR4.PKE
  | 'kernel' // pkey_alloc is missing or refuses (ENOSYS, ENOSPC with no key held)
  | 'keys'; // every key is taken by other code in the process

export interface SupportStatus {
  readonly supported: boolean;
  /** One sentence a person can act on. */
  readonly reason: string;
  /** The first piece found missing, when not supported. */
  readonly missing?: MissingPiece;
}

/**
 * The API both halves implement, checked at compile time: the enabled
 * implementation (mpk-core) and the no-op one (mpk-disabled) each satisfy it,
 * and the umbrella (mpk) forwards to whichever it picked.
 */
export interface Mpk {
  /** True only when the CPU has PKU, the OS enabled it, and the kernel hands out keys. */
  isSupported(): boolean;
  supportStatus(): SupportStatus;
  /**
   * Up to `max` keys (at most 15), allocated on the first call and cached for
   * the process; later calls return the first min(cached, max). Empty when
   * unsupported.
   */
  keys(max: number): readonly ProtectionKey[];
  /** Applies `mask` to this library's keys on the calling thread; other keys keep their bits. */
  allow(mask: ProtectionMask): void;
  /** The calling thread's PKRU. */
  currentMask(): ProtectionMask;
  /** Page-aligned memory that keys can be applied to. */
  allocate(bytes: number, options?: AllocateOptions): Region;
  /** Runs `fn` under `mask` and restores the previous access afterwards, also on throw. */
  withMask<T>(mask: ProtectionMask, fn: () => T): T;
  /** Applies `mask` until the returned scope is disposed (`using scope = enter(mask)`). */
  enter(mask: ProtectionMask): MaskScope;
  /** A slab of slots coloured round-robin with keys (see StripedPool). */
  createStripedPool(options: StripedPoolOptions): StripedPool;
}
