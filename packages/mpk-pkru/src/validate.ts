/**
 * Argument checks shared by the pure helpers and the register functions.
 * They run before any native call: a wrong value must never reach the
 * register, where it would silently become some other set of rights.
 */
import { MpkError, show } from './errors.js';

/** Keys 0..15: PKRU has room for exactly sixteen two-bit fields. */
export const MAX_KEY = 15;
export const MAX_PKRU = 0xffffffff;
export const MAX_RIGHTS = 3;

function integer(value: unknown, name: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `The "${name}" argument must be ${what}; received ${show(value)}`, {
      value,
    });
  }
  return value;
}

function ranged(value: unknown, name: string, max: number, maxText: string): number {
  const n = integer(value, name, `an integer from 0 to ${maxText}`);
  if (n < 0 || n > max) {
    throw new MpkError('ERR_MPK_OUT_OF_RANGE', `The "${name}" argument must be from 0 to ${maxText}; received ${show(n)}`, {
      value,
    });
  }
  return n;
}

/** A whole PKRU value (uint32); -0 comes back as 0. */
export function checkPkru(value: unknown, name = 'pkru'): number {
  return ranged(value, name, MAX_PKRU, '0xFFFFFFFF') >>> 0;
}

export function checkKey(value: unknown, name = 'key'): number {
  return ranged(value, name, MAX_KEY, String(MAX_KEY));
}

export function checkRights(value: unknown, name = 'rights'): 0 | 1 | 2 | 3 {
  return ranged(value, name, MAX_RIGHTS, String(MAX_RIGHTS)) as 0 | 1 | 2 | 3;
}
