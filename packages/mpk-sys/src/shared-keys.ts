/**
 * The process-wide record of which protection keys mpk holds, for the copies
 * of mpk that run in worker threads. A key is a process resource, but each
 * worker loads its own JavaScript modules; without one record they would each
 * allocate their own keys and none could switch the others' off. The record
 * is a 16-bit mask (bit k = key k) in the native addon, which the process
 * maps once whatever the number of threads.
 */
import { requireNative } from './binding.js';
import { MpkError } from './errors.js';
import { checkInteger } from './validate.js';

/** Masks of keys 1..15: key 0 is everyone's default key and never held. */
const KEY_MASK_MAX = 0xfffe;

function checkKeyMask(operation: string, name: string, value: unknown): number {
  const mask = checkInteger(operation, name, value, 0, 0xffff);
  if ((mask & 1) !== 0) {
    throw new MpkError('ERR_MPK_OUT_OF_RANGE', `${operation}: ${name} must not include key 0 (bit 0), got 0x${mask.toString(16)}`, {
      argument: name,
      value,
      max: KEY_MASK_MAX,
    });
  }
  return mask;
}

/** The mask of keys published for this process (0: none yet). */
export function sharedKeySet(): number {
  return requireNative('sharedKeySet').sharedKeySet();
}

/**
 * Publishes `desired` if the record still holds `expected`, atomically, and
 * returns the mask in force afterwards: `desired` when this call won, the
 * other thread's mask when it lost.
 */
export function publishSharedKeySet(expected: number, desired: number): number {
  checkKeyMask('publishSharedKeySet', 'expected', expected);
  checkKeyMask('publishSharedKeySet', 'desired', desired);
  return requireNative('publishSharedKeySet').publishSharedKeySet(expected, desired);
}
