import * as sys from 'mpk-sys';
import { MpkError, targetOf, type Region, type RegionTarget } from 'mpk-disabled';

/**
 * Tags memory with a key through pkey_mprotect, which is mprotect plus the key:
 * the pages get `prot` and every later access to them is checked against the
 * thread's PKRU bits for that key as well. mpk-sys refuses anything but
 * page-aligned, whole-page memory it mapped itself (the kernel would round a
 * partial page up and tag bytes the caller never named). A failure reads the
 * way Wasmtime's does, naming address, length and protection, and keeps the
 * underlying `code` (ERR_MPK_UNALIGNED, EINVAL, ...) for callers to branch on.
 */
export function applyKey(key: number, region: Region | RegionTarget, prot: number): void {
  const target = targetOf(region);
  try {
    sys.pkeyMprotect(target, prot, key);
  } catch (cause) {
    const address = addressOrUnknown(target);
    const length = ArrayBuffer.isView(target) ? target.byteLength : target.byteLength;
    const inner = cause as { code?: string; message?: string };
    throw new MpkError(
      (inner.code?.startsWith('ERR_MPK_') ? inner.code : 'ERR_MPK_PROTECT_FAILED') as `ERR_MPK_${string}`,
      `failed to mark region with pkey (addr = ${address}, len = ${length}, prot = 0b${prot.toString(2)}): ${inner.message ?? String(cause)}`,
      { address, length, prot, key, syscallCode: inner.code },
      { cause },
    );
  }
}

function addressOrUnknown(target: RegionTarget): string {
  try {
    return `0x${sys.addressOf(target).toString(16)}`;
  } catch {
    return 'unknown';
  }
}
