import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import type { MissingPiece, SupportStatus } from 'mpk-disabled';

/**
 * Whether protection keys can be used here, checked from the outside in.
 *
 * The CPU must have PKU (CPUID leaf 7, ECX bit 3) and the OS must have turned
 * it on (ECX bit 4, OSPKE, which mirrors CR4.PKE): only then are RDPKRU and
 * WRPKRU legal instructions rather than #UD. Wasmtime checks the PKU bit alone
 * and only on Intel; that let AMD machines whose kernel left PKE off die with
 * SIGILL, so it excluded AMD. Checking OSPKE is the correct test and works for
 * both vendors. Last, the kernel must hand out a key: pkeys(7) says a
 * pkey_alloc that succeeds is the reliable test, and it fails with ENOSPC both
 * when keys run out and when support is missing.
 */
export function detectSupport(heldKeys: number): SupportStatus {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return unsupported('platform', `protection keys need Linux on x86-64; this is ${process.platform}/${process.arch}`);
  }
  if (!pkru.available) return unsupported('binding', `the mpk-pkru native addon did not load: ${pkru.unavailableReason}`);
  if (!sys.available) return unsupported('binding', `the mpk-sys native addon did not load: ${sys.unavailableReason}`);
  if (!pkru.hasCpuidBitSet()) {
    return unsupported('cpu', 'the CPU does not have PKU (CPUID.(EAX=7,ECX=0):ECX bit 3 is clear)');
  }
  if (!pkru.osEnabled()) {
    return unsupported('os', 'the CPU has PKU but the OS did not enable it (OSPKE clear: the kernel lacks CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS or was booted with nopku)');
  }
  if (heldKeys > 0) return supported(`PKU and OSPKE are set and this library holds ${heldKeys} key${heldKeys === 1 ? '' : 's'}`);
  try {
    // pkey_alloc writes the rights it is given into this thread's PKRU, and
    // pkey_free leaves them there: probe with access disabled, which is what
    // a key nobody holds has by default, so the probe leaves no key open.
    const probe = sys.pkeyAlloc(0, sys.PKEY_DISABLE_ACCESS);
    sys.pkeyFree(probe);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOSPC') {
      return unsupported('keys', 'PKU and OSPKE are set but pkey_alloc found no free key: other code in this process holds all of them');
    }
    return unsupported('kernel', `PKU and OSPKE are set but the kernel hands out no key: pkey_alloc failed with ${code ?? String(error)}`);
  }
  return supported('PKU and OSPKE are set and the kernel hands out keys');
}

function supported(reason: string): SupportStatus {
  return Object.freeze({ supported: true, reason });
}

function unsupported(missing: MissingPiece, reason: string): SupportStatus {
  return Object.freeze({ supported: false, reason, missing });
}
