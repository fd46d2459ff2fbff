/**
 * Is PKRU there, and may we touch it?
 *
 * Two CPUID bits decide (leaf 7, subleaf 0, register ECX). Bit 3, PKU, says
 * the CPU implements protection keys. Bit 4, OSPKE, says the operating system
 * has set CR4.PKE, which is what makes RDPKRU and WRPKRU legal: with PKU but
 * without OSPKE both instructions fault with #UD and the process dies with
 * SIGILL. A kernel can leave the feature off even on capable hardware
 * (built without CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS, booted with
 * `nopku`, or a hypervisor that hides it), so OSPKE is the bit to trust.
 *
 * The vendor plays no part in this. Intel and AMD (Zen 3 and later) implement
 * the same instructions; Wasmtime's former Intel-only check was a workaround
 * for not testing OSPKE on AMD machines that had PKU turned off.
 *
 * The bits are read once, in C, when the addon loads (CR4.PKE does not change
 * while the system runs). Without the addon, or off x86-64, all answers are
 * "no".
 */
import { native } from './binding.js';

/** CPUID.(EAX=7,ECX=0):ECX bit 3: the CPU has protection keys (PKU). */
export function hasCpuidBitSet(): boolean {
  return native !== null && native.pku;
}

/** CPUID.(EAX=7,ECX=0):ECX bit 4: the OS has enabled them (OSPKE), so RDPKRU/WRPKRU are safe. */
export function osEnabled(): boolean {
  return native !== null && native.ospke;
}

/** The CPUID vendor string ("GenuineIntel", "AuthenticAMD", ...), or "" where unknown. For reports only. */
export function cpuVendor(): string {
  return native === null ? '' : native.vendor;
}
