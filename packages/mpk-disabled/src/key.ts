import type { Region, RegionTarget } from './region.js';

/**
 * A protection key this library allocated, as in Wasmtime: `id` is the
 * hardware key (1..15) and `stripe` its index in the process-wide list that
 * `keys()` returns, which a striped pool uses to colour slot i with stripe
 * i mod n. Keys are never freed: a freed key could be handed out again while
 * memory still carries it.
 */
export interface ProtectionKey {
  readonly id: number;
  readonly stripe: number;
  /** The stripe this key colours (its index in `keys()`). */
  asStripe(): number;
  /** Tags `region` with this key, read-write (pkey_mprotect). */
  protect(region: Region | RegionTarget): void;
  /** Re-applies this key to `region`, read-write or with no access at all. */
  reprotect(region: Region | RegionTarget, options: { readWrite: boolean }): void;
}
