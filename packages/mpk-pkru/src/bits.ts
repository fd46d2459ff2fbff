/**
 * PKRU arithmetic, in plain TypeScript so it works anywhere, PKU or not.
 *
 * PKRU holds two bits per protection key: for key k, bit 2k is AD (access
 * disable: no reads or writes of pages tagged with k) and bit 2k+1 is WD
 * (write disable: reads still work). The hardware only ever looks at this
 * register on a data access to a page tagged with a key; instruction fetches
 * ignore it. The register is per thread, so a value describes what the
 * *current thread* may touch, and other threads keep their own.
 *
 * A key's two bits read as a number are the same encoding Linux uses for
 * pkey_alloc(2)'s `access_rights` and glibc's pkey_set(): 0 = read/write,
 * PKEY_DISABLE_ACCESS (1) = nothing, PKEY_DISABLE_WRITE (2) = read-only, and
 * 3 = both bits (nothing, since AD already forbids reads and writes). That is
 * why `rights()` and `withRights()` speak in those numbers.
 *
 * JavaScript's bitwise operators work on signed 32-bit integers, so
 * `0b11 << 30` is negative; every result here goes through `>>> 0` to stay a
 * uint32, the form RDPKRU returns and WRPKRU takes.
 */
import { checkKey, checkPkru, checkRights } from './validate.js';

/** How many keys PKRU describes (0..15); key 0 is the default key of every page. */
export const KEY_COUNT = 16;

/** PKRU with every bit clear: every key readable and writable. */
export const ALLOW_ACCESS = 0;

/**
 * PKRU with every bit set: no access through any key, key 0 included. Since
 * key 0 tags the stack and heap, a thread running with this value cannot
 * touch ordinary memory; it is a base for masks, not a value to install.
 */
export const DISABLE_ACCESS = 0xffffffff;

/** Rights bit: no reads or writes (the key's AD bit). */
export const PKEY_DISABLE_ACCESS = 1;

/** Rights bit: reads allowed, writes refused (the key's WD bit). */
export const PKEY_DISABLE_WRITE = 2;

/**
 * What Linux puts in PKRU for a new process (the kernel's init_pkru_value):
 * key 0 open, keys 1..15 access-disabled, so memory tagged with a freshly
 * allocated key is closed in every thread that did not ask for it. Inside
 * Node the value seen at startup differs: V8 takes a key for its own use.
 */
export const DEFAULT_PKRU = 0x55555554;

/** A key's two PKRU bits read as a number: 0 rw, 1 none, 2 read-only, 3 none. */
export type Rights = 0 | 1 | 2 | 3;

/** The two bits that belong to `key` (AD and WD), as a uint32 mask. */
export function keyBits(key: number): number {
  const k = checkKey(key);
  return (0b11 << (2 * k)) >>> 0;
}

/** `key`'s rights in `pkru`: PKEY_DISABLE_ACCESS and/or PKEY_DISABLE_WRITE. */
export function rights(pkru: number, key: number): Rights {
  const value = checkPkru(pkru);
  const k = checkKey(key);
  return ((value >>> (2 * k)) & 0b11) as Rights;
}

/** `pkru` with `key`'s two bits replaced by `rights`; every other bit is kept. */
export function withRights(pkru: number, key: number, rights: number): number {
  const value = checkPkru(pkru);
  const k = checkKey(key);
  const r = checkRights(rights);
  const shift = 2 * k;
  return ((value & ~(0b11 << shift)) | (r << shift)) >>> 0;
}
