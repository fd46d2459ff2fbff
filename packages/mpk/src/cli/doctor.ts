import { release } from 'node:os';
import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { implementation, implementationReason, supportStatus } from '../index.js';
import { cpuinfoFlags, cpuOrigin } from './environment.js';
import { checkEnforcement, skippedEnforcement, type EnforcementCheck } from './enforcement-probe.js';
import { takeKeyCensus } from './key-census.js';
import type { KeyedMapping } from './smaps.js';

/**
 * `mpk doctor`: can protection keys be used here, and if not, why not?
 *
 * Everything is gathered into one report (printed as text, or as JSON with
 * --json). The doctor's own process never holds a key: counting free keys
 * and the live enforcement check each run in a child process.
 */
export interface KeyOwner {
  key: number;
  owner: 'default' | 'free' | 'held-by-others' | 'unknown';
  /** For people: "free", "held by other code in this process: V8 ...". */
  note: string;
}

export interface DoctorReport {
  verdict: { usable: boolean; line: string; reason: string };
  platform: { os: string; arch: string; node: string; v8: string; kernel: string };
  implementation: { name: 'enabled' | 'disabled'; reason: string };
  support: { supported: boolean; reason: string; missing: string | null };
  cpu: {
    /** CPUID vendor string, or null when mpk-pkru did not load. */
    vendor: string | null;
    model: string | null;
    emulated: boolean;
    where: string;
    /** CPUID.(EAX=7,ECX=0):ECX bit 3, or null when it could not be read. */
    pku: boolean | null;
    /** ECX bit 4: the OS enabled PKU. */
    ospke: boolean | null;
    /** The same two facts as /proc/cpuinfo words. */
    cpuinfo: { pku: boolean; ospke: boolean };
  };
  keys: {
    status: 'counted' | 'skipped' | 'failed';
    detail: string;
    /** How many keys pkey_alloc handed a fresh node process; null unless counted. */
    free: number | null;
    freeIds: number[];
    heldByOthers: KeyOwner[];
    /** How the allocation loop ended ("ENOSPC"). */
    stoppedBy: string | null;
    /** Mappings carrying a key other than 0 in a fresh node process, after a wasm compile. */
    mappings: KeyedMapping[];
    smapsReportsKeys: boolean | null;
  };
  pkru: {
    readable: boolean;
    detail: string;
    value: number | null;
    hex: string | null;
    /** mpk-pkru describe() of the value. */
    described: string | null;
    keys: (pkru.KeyRights & Pick<KeyOwner, 'owner' | 'note'>)[];
  };
  enforcement: EnforcementCheck;
  exitCode: 0 | 1;
}

/** Why keys cannot be checked in a child, or null when they can. */
function whyNoPku(): string | null {
  if (!sys.available) return `mpk-sys did not load (${sys.unavailableReason})`;
  if (!pkru.available) return `mpk-pkru did not load (${pkru.unavailableReason})`;
  if (!pkru.hasCpuidBitSet()) return 'no PKU: the CPU does not have it';
  if (!pkru.osEnabled()) return 'no PKU: the CPU has it but the OS did not enable it (OSPKE clear)';
  return null;
}

/**
 * The verdict as far as this process can tell without children: the
 * implementation in use and its support status. `mpk demo` refuses with this.
 */
export function basicVerdict(): { usable: boolean; reason: string } {
  if (implementation === 'disabled') return { usable: false, reason: `the disabled implementation is in use (${implementationReason})` };
  const status = supportStatus();
  return { usable: status.supported, reason: status.reason };
}

export function verdictLine(usable: boolean, reason: string, free: number | null): string {
  return usable ? `mpk: protection keys are usable here (${free} key${free === 1 ? '' : 's'} free)` : `mpk: protection keys are NOT usable here: ${reason}`;
}

function ownerOfHeldKey(key: number, mappings: readonly KeyedMapping[]): string {
  const tagged = mappings.filter((mapping) => mapping.key === key);
  if (tagged.length === 0) return 'held by other code in this process (no mapping carries it yet)';
  const code = tagged.filter((mapping) => mapping.perms.includes('x') && mapping.name === '');
  const what = `${tagged.length} ${[...new Set(tagged.map((m) => m.perms))].join('/')} mapping${tagged.length === 1 ? '' : 's'}`;
  return code.length > 0
    ? `held by other code in this process: V8, which tags its WebAssembly code space with it (after a wasm compile: ${what})`
    : `held by other code in this process; it tags ${what}`;
}

export async function examine(): Promise<DoctorReport> {
  // Read PKRU before anything else: supportStatus() below may probe with
  // pkey_alloc + pkey_free, which leaves the probed key open in this thread.
  const registerReadable = pkru.available && pkru.osEnabled();
  const value = registerReadable ? pkru.read() : null;
  const status = supportStatus();
  const origin = cpuOrigin();
  const flags = cpuinfoFlags();
  const noPku = whyNoPku();

  const [census, enforcement] = noPku
    ? [null, skippedEnforcement(`skipped: ${noPku}, so there is nothing to enforce`)]
    : await Promise.all([takeKeyCensus(), checkEnforcement()]);

  const keys: DoctorReport['keys'] = {
    status: 'skipped',
    detail: `not counted: ${noPku ?? 'unknown'}`,
    free: null,
    freeIds: [],
    heldByOthers: [],
    stoppedBy: null,
    mappings: [],
    smapsReportsKeys: null,
  };
  if (census && !census.ok) {
    Object.assign(keys, { status: 'failed', detail: census.error });
  } else if (census?.ok) {
    const { free, heldByOthers, stoppedBy, mappings, smapsReportsKeys } = census.census;
    Object.assign(keys, {
      status: 'counted',
      detail: `pkey_alloc handed a fresh node process ${free.length} key${free.length === 1 ? '' : 's'}, then failed with ${stoppedBy}; the child freed them again`,
      free: free.length,
      freeIds: free,
      heldByOthers: heldByOthers.map((key) => ({ key, owner: 'held-by-others', note: ownerOfHeldKey(key, mappings) })),
      stoppedBy,
      mappings,
      smapsReportsKeys,
    });
  }

  const ownerOf = (key: number): Pick<KeyOwner, 'owner' | 'note'> => {
    if (key === 0) return { owner: 'default', note: 'default key of every mapping' };
    if (keys.status !== 'counted') return { owner: 'unknown', note: '' };
    if (keys.freeIds.includes(key)) return { owner: 'free', note: 'free' };
    return { owner: 'held-by-others', note: 'held by other code' };
  };
  const pkruReport: DoctorReport['pkru'] =
    value === null
      ? {
          readable: false,
          detail: pkru.available ? 'no PKRU register to read (OSPKE clear: RDPKRU would raise SIGILL)' : `mpk-pkru did not load (${pkru.unavailableReason})`,
          value: null,
          hex: null,
          described: null,
          keys: [],
        }
      : {
          readable: true,
          detail: "this process's main thread (PKRU is per thread), read before anything here touched a key",
          value,
          hex: `0x${value.toString(16).padStart(8, '0')}`,
          described: pkru.describe(value),
          keys: pkru.decode(value).map((rights) => ({ ...rights, ...ownerOf(rights.key) })),
        };

  let { usable, reason } = basicVerdict();
  if (usable) {
    if (keys.status !== 'counted') [usable, reason] = [false, `the key count failed: ${keys.detail}`];
    else if (keys.free === 0) [usable, reason] = [false, 'no key is free: other code in this process holds all 15'];
    else if (enforcement.status !== 'passed') [usable, reason] = [false, `the enforcement check failed: ${enforcement.detail}`];
  }

  return {
    verdict: { usable, line: verdictLine(usable, reason, keys.free), reason },
    platform: { os: process.platform, arch: process.arch, node: process.version, v8: process.versions.v8, kernel: release() },
    implementation: { name: implementation, reason: implementationReason },
    support: { supported: status.supported, reason: status.reason, missing: status.missing ?? null },
    cpu: {
      vendor: pkru.available ? pkru.cpuVendor() : null,
      model: origin.model,
      emulated: origin.emulated,
      where: origin.label,
      pku: pkru.available ? pkru.hasCpuidBitSet() : null,
      ospke: pkru.available ? pkru.osEnabled() : null,
      cpuinfo: { pku: flags.has('pku'), ospke: flags.has('ospke') },
    },
    keys,
    pkru: pkruReport,
    enforcement,
    exitCode: usable ? 0 : 1,
  };
}
