/**
 * The native half, loaded once. `binding.cjs` (next to package.json) asks
 * node-gyp-build for build/Release or the matching prebuild and keeps any
 * failure instead of throwing, so this package imports on every platform and
 * reports itself unavailable where the addon cannot load: protection keys are
 * a Linux feature, and the addon is only built there.
 *
 * createRequire(import.meta.url) resolves `../binding.cjs` from src/ (tests)
 * and from dist/ (the published ESM and CJS builds, where tsup's shims supply
 * import.meta.url) alike.
 */
import { createRequire } from 'node:module';
import { MpkError } from './errors.js';

/**
 * What src/native exports. Every method is one syscall (or one Node-API
 * operation) that returns its result, or -errno, as a number; the TypeScript
 * layer validates arguments first and turns negative results into errors.
 */
export interface NativeBinding {
  readonly PROT_NONE: number;
  readonly PROT_READ: number;
  readonly PROT_WRITE: number;
  readonly PROT_EXEC: number;
  readonly PKEY_DISABLE_ACCESS: number;
  readonly PKEY_DISABLE_WRITE: number;
  readonly SEGV_PKUERR: number;
  readonly LABEL_MAX_BYTES: number;
  readonly LABEL_TABLE_SLOTS: number;
  /** Whether the build knew SYS_pkey_alloc; without it the pkey methods answer -ENOSYS. */
  readonly pkeySyscalls: boolean;

  pageSize(): number;
  pkeyAlloc(flags: number, accessRights: number): number;
  pkeyFree(key: number): number;
  mprotect(buffer: ArrayBuffer, offset: number, length: number, prot: number): number;
  pkeyMprotect(buffer: ArrayBuffer, offset: number, length: number, prot: number, key: number): number;
  noop(): void;

  /** An ArrayBuffer over a fresh mapping of exactly `length` bytes, or -errno. */
  mmap(length: number): ArrayBuffer | number;
  /** Detaches the buffer, then unmaps it. */
  munmap(buffer: ArrayBuffer): number;
  /** The data pointer of any ArrayBuffer. */
  addressOf(buffer: ArrayBuffer): bigint;
  liveMappings(): number;

  installFaultReporter(): number;
  uninstallFaultReporter(): number;
  faultReporterInstalled(): boolean;
  setMappingLabel(buffer: ArrayBuffer, offset: number, length: number, label: string | null): number;
  /** Labelled ranges in the native table. */
  labelCount(): number;
  /** The smallest labelled range containing an address, or null. */
  labelOf(address: bigint): { label: string; start: bigint } | null;
  /** The process-wide mask of keys mpk holds (bit k = key k). */
  sharedKeySet(): number;
  /** Compare-and-exchange of that mask; returns the mask now in force. */
  publishSharedKeySet(expected: number, desired: number): number;
  /**
   * Forks; the child reads or writes the byte at `offset` of the mapping and
   * exits. How it ended (code/pkey/address from its SIGSEGV handler), or -errno.
   */
  probeAccess(
    buffer: ArrayBuffer,
    offset: number,
    write: boolean,
  ): { exitCode: number; signal: number; faulted: boolean; code: number; pkey: number; address: bigint } | number;
  /** Sends this thread a SIGSEGV with the given si_code, si_addr and si_pkey (tests only). */
  raiseSegvForTesting(code: number, address: bigint, key: number): number;
}

const METHODS = [
  'pageSize',
  'pkeyAlloc',
  'pkeyFree',
  'mprotect',
  'pkeyMprotect',
  'noop',
  'mmap',
  'munmap',
  'addressOf',
  'liveMappings',
  'installFaultReporter',
  'uninstallFaultReporter',
  'faultReporterInstalled',
  'setMappingLabel',
  'labelCount',
  'labelOf',
  'sharedKeySet',
  'publishSharedKeySet',
  'raiseSegvForTesting',
  'probeAccess',
] as const;

const NUMBERS = [
  'PROT_NONE',
  'PROT_READ',
  'PROT_WRITE',
  'PROT_EXEC',
  'PKEY_DISABLE_ACCESS',
  'PKEY_DISABLE_WRITE',
  'SEGV_PKUERR',
  'LABEL_MAX_BYTES',
  'LABEL_TABLE_SLOTS',
] as const;

function load(): { native: NativeBinding | null; reason: string | null } {
  const where = `${process.platform}-${process.arch}`;
  let loaded: { binding: unknown; error: unknown };
  try {
    loaded = createRequire(import.meta.url)('../binding.cjs') as typeof loaded;
  } catch (err) {
    loaded = { binding: null, error: err };
  }
  if (loaded.error !== null || loaded.binding === null) {
    const prefix =
      process.platform === 'linux'
        ? `the mpk-sys native binding did not load on ${where}`
        : `memory protection keys are a Linux feature and this is ${where}, where mpk-sys has no native binding`;
    return { native: null, reason: `${prefix}: ${message(loaded.error)}` };
  }
  const b = loaded.binding as Partial<Record<string, unknown>>;
  // A build/Release left over from an older source tree would load fine and
  // then lack methods; refuse it here rather than fail on first use.
  const missing = [
    ...METHODS.filter((name) => typeof b[name] !== 'function'),
    ...NUMBERS.filter((name) => typeof b[name] !== 'number'),
  ];
  if (missing.length > 0) {
    return {
      native: null,
      reason: `the mpk-sys native binding loaded but lacks ${missing.join(', ')}; it is probably a stale build, rebuild the package`,
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

/**
 * Whether the native binding loaded. That is all it says: whether the CPU and
 * kernel enforce protection keys is known only once pkeyAlloc() succeeds
 * (pkey_alloc fails with ENOSPC where they do not).
 */
export const available: boolean = native !== null;

/** Why the binding did not load; null when it did. */
export const unavailableReason: string | null = result.reason;

/** The binding, or an ERR_MPK_UNAVAILABLE error naming the operation and the reason. */
export function requireNative(operation: string): NativeBinding {
  if (native !== null) return native;
  throw new MpkError('ERR_MPK_UNAVAILABLE', `${operation}: mpk-sys is unavailable: ${unavailableReason}`, {
    reason: unavailableReason,
  });
}
