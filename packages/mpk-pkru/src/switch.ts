/**
 * Switches prepared ahead: the fastest way to change the bits a library owns.
 *
 * A protection-key library switches among a few masks, millions of times. A
 * Node-API call pays for every argument it converts, so the mask value is
 * bound into the native function once (`switcher(value)`), and the bits the
 * switch may touch are a process-wide set kept in the addon (`ownBits`), as
 * keys themselves are process-wide: a call converts nothing and writes only
 * the owned bits, so every other key (V8's key 1 above all) keeps its value.
 */
import { native, unavailableReason } from './binding.js';
import { MpkError } from './errors.js';
import { checkPkru } from './validate.js';

const usable = native !== null && native.pku && native.ospke;

/**
 * Adds `bits` to the process's owned set and returns the whole set. Bits are
 * never removed: the keys they belong to are never freed. Works wherever the
 * binding loaded (it is bookkeeping; no register is touched).
 */
export function ownBits(bits: number): number {
  checkPkru(bits, 'bits');
  if (native === null) {
    throw new MpkError('ERR_MPK_PKRU_UNAVAILABLE', `Cannot own PKRU bits: ${unavailableReason ?? 'the native binding did not load'}`);
  }
  return native.ownBits(bits) >>> 0;
}

/** The process's owned set (0 when none, or without the binding). */
export function ownedBits(): number {
  return native === null ? 0 : native.ownBits(0) >>> 0;
}

/**
 * A function of no arguments that sets the owned bits of the calling
 * thread's PKRU to those of `value` and returns the previous PKRU as a
 * signed 32-bit integer (apply `>>> 0` for the unsigned value). Where
 * RDPKRU/WRPKRU may not run, the function throws ERR_MPK_PKRU_UNAVAILABLE.
 */
export function switcher(value: number): () => number {
  checkPkru(value, 'value');
  if (native === null || !usable) {
    return () => {
      throw new MpkError('ERR_MPK_PKRU_UNAVAILABLE', `Cannot switch PKRU: ${unavailableReason ?? 'the CPU or the OS does not support protection keys (PKU/OSPKE)'}`);
    };
  }
  return native.switcher(value);
}
