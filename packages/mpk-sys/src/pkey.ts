/**
 * Protection keys: pkey_alloc, pkey_free, pkey_mprotect.
 *
 * x86 has 16 keys. Every page carries one in its page-table entry (key 0 by
 * default), and each thread's PKRU register holds two bits per key: AD
 * (access disable) and WD (write disable). The CPU checks them on every data
 * access, without a syscall or a TLB flush; instruction fetches are never
 * checked. The kernel hands out keys 1..15 with pkey_alloc(); in Node, V8
 * may already hold one (Node 20 takes key 1 at startup), so which keys come
 * back must be observed, never assumed.
 */
import { requireNative } from './binding.js';
import { MAX_KEY, PROT_MASK, RIGHTS_MASK } from './constants.js';
import { checkResult, MpkError } from './errors.js';
import { resolveTarget, type Target } from './target.js';
import { checkBits, checkInteger } from './validate.js';

/**
 * Allocates a protection key. `accessRights` (PKEY_DISABLE_ACCESS,
 * PKEY_DISABLE_WRITE, or 0) are written into the CALLING thread's PKRU only;
 * other threads keep whatever they had for that key (for threads created
 * before the allocation: access disabled, since a new process starts with
 * every key but 0 disabled).
 *
 * Throws an MpkSystemError with code ENOSPC when no key is free, and also
 * when the CPU or the kernel does not support protection keys: a successful
 * pkeyAlloc() is the reliable test of support.
 */
export function pkeyAlloc(flags = 0, accessRights = 0): number {
  const binding = requireNative('pkeyAlloc');
  const checkedFlags = checkInteger('pkeyAlloc', 'flags', flags, 0, 0);
  const rights = checkBits(
    'pkeyAlloc',
    'accessRights',
    accessRights,
    RIGHTS_MASK,
    'PKEY_DISABLE_ACCESS and PKEY_DISABLE_WRITE',
  );
  return checkResult('pkey_alloc', binding.pkeyAlloc(checkedFlags, rights), { flags: checkedFlags, accessRights: rights });
}

/**
 * Frees a key. Pages still tagged with it keep the tag, and a later
 * pkeyAlloc() may hand the same key out again, so untag (pkeyMprotect with
 * key 0) or unmap its memory first.
 */
export function pkeyFree(key: number): void {
  const binding = requireNative('pkeyFree');
  if (key === 0) {
    throw new MpkError(
      'ERR_MPK_OUT_OF_RANGE',
      'pkeyFree: key 0 is the default key of every page; pkey_alloc() never hands it out and it cannot be freed',
      { argument: 'key', value: key, min: 1, max: MAX_KEY },
    );
  }
  const checked = checkInteger('pkeyFree', 'key', key, 1, MAX_KEY);
  checkResult('pkey_free', binding.pkeyFree(checked), { key: checked });
}

/**
 * Sets the protection of a target's pages and tags them with `key`. Key -1
 * means "keep each page's key" (plain mprotect, as the kernel defines it);
 * key 0 returns the pages to the default key. The key must have come from
 * pkeyAlloc() (the kernel refuses others with EINVAL).
 */
export function pkeyMprotect(target: Target, prot: number, key: number): void {
  const binding = requireNative('pkeyMprotect');
  const { buffer, record, offset, length } = resolveTarget('pkeyMprotect', target);
  const bits = checkBits('pkeyMprotect', 'prot', prot, PROT_MASK, 'PROT_READ, PROT_WRITE and PROT_EXEC');
  const checkedKey = checkInteger('pkeyMprotect', 'key', key, -1, MAX_KEY);
  const address = record.address + BigInt(offset);
  checkResult('pkey_mprotect', binding.pkeyMprotect(buffer, offset, length, bits, checkedKey), {
    address,
    length,
    prot: bits,
    key: checkedKey,
  });
}
