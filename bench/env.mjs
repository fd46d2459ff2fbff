// Where this benchmark runs, decided once: real PKU hardware, the emulated
// QEMU guest (tools/pku-guest), or a host whose CPU cannot enforce keys.
import { readFileSync } from 'node:fs';
import os from 'node:os';

function cpuinfo() {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

function field(text, name) {
  const match = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text);
  return match ? match[1].trim() : null;
}

/**
 * @param {typeof import('mpk-pkru')} pkru the built mpk-pkru
 * @returns the environment: `name` is one of pku-hardware, emulated-guest,
 *   host-without-pku; `pkru` says whether RDPKRU/WRPKRU may run here, and
 *   `reason` why not when they may not.
 */
export function detectEnvironment(pkru) {
  const info = cpuinfo();
  const flags = new Set((field(info, 'flags') ?? '').split(/\s+/));
  const inGuest = process.env.MPK_IN_GUEST === '1';
  const canRun = pkru.available && pkru.osEnabled();

  let reason = null;
  if (!pkru.available) reason = `mpk-pkru's native binding did not load: ${pkru.unavailableReason}`;
  else if (!pkru.hasCpuidBitSet()) reason = 'this CPU does not report PKU (CPUID.(EAX=7,ECX=0):ECX bit 3 clear; no "pku" in /proc/cpuinfo)';
  else if (!pkru.osEnabled()) reason = 'the CPU has PKU but the OS has not enabled it (OSPKE clear)';

  const name = inGuest ? 'emulated-guest' : canRun ? 'pku-hardware' : 'host-without-pku';
  return {
    name,
    label:
      name === 'emulated-guest'
        ? 'emulated (QEMU TCG): ratios only, distorted'
        : name === 'pku-hardware'
          ? 'PKU hardware'
          : 'host without PKU: PKRU rows skipped',
    pkru: canRun,
    reason,
    cpu: field(info, 'model name') ?? os.cpus()[0]?.model ?? 'unknown',
    vendor: pkru.available ? pkru.cpuVendor() : null,
    cpuFlags: { pku: flags.has('pku'), ospke: flags.has('ospke'), hypervisor: flags.has('hypervisor') },
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
  };
}
