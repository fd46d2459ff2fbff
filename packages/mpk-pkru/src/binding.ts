/**
 * The native half, loaded once. `binding.cjs` (next to package.json) asks
 * node-gyp-build for build/Release or the matching prebuild and keeps any
 * failure instead of throwing, so this package imports on every platform and
 * simply reports itself unavailable where the addon cannot load.
 *
 * createRequire(import.meta.url) resolves `../binding.cjs` from src/ (tests)
 * and from dist/ (the published ESM and CJS builds, where tsup's shims supply
 * import.meta.url) alike.
 */
import { createRequire } from 'node:module';

/** What src/native/mpk_pkru.c exports. */
export interface NativeBinding {
  /** CPUID.(EAX=7,ECX=0):ECX bit 3, read at module init. */
  readonly pku: boolean;
  /** CPUID.(EAX=7,ECX=0):ECX bit 4, read at module init. */
  readonly ospke: boolean;
  /** CPUID leaf 0 vendor string; "" off x86-64. */
  readonly vendor: string;
  read(): number;
  write(value: number): void;
  update(value: number, ownedBits: number): number;
  noop(): void;
  /** Adds bits to the process-wide owned set; returns the set. */
  ownBits(bits: number): number;
  /** A no-argument native function applying `value` to the owned bits; returns the old PKRU as an int32. */
  switcher(value: number): () => number;
}

const FUNCTIONS = ['read', 'write', 'update', 'noop', 'ownBits', 'switcher'] as const;

function load(): { native: NativeBinding | null; reason: string | null } {
  let loaded: { binding: unknown; error: unknown };
  try {
    loaded = createRequire(import.meta.url)('../binding.cjs') as typeof loaded;
  } catch (err) {
    return { native: null, reason: `the native binding did not load: ${message(err)}` };
  }
  if (loaded.error !== null || loaded.binding === null) {
    return { native: null, reason: `the native binding did not load: ${message(loaded.error)}` };
  }
  const b = loaded.binding as Partial<Record<string, unknown>>;
  // A build/Release left over from an older source tree would load fine and
  // then lack functions; refuse it here rather than fail later on first use.
  const missing = FUNCTIONS.filter((name) => typeof b[name] !== 'function');
  if (missing.length > 0 || typeof b.pku !== 'boolean' || typeof b.ospke !== 'boolean' || typeof b.vendor !== 'string') {
    return {
      native: null,
      reason: `the native binding loaded but does not have the expected exports (missing: ${
        missing.join(', ') || 'pku/ospke/vendor'
      }); it is probably a stale build, rebuild the package`,
    };
  }
  return { native: b as unknown as NativeBinding, reason: null };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const result = load();

/** The binding, or null when it could not be loaded. */
export const native: NativeBinding | null = result.native;

/** Whether the native binding loaded. PKRU access needs more: see osEnabled(). */
export const available: boolean = native !== null;

/** Why the binding did not load; null when it did. */
export const unavailableReason: string | null = result.reason;
