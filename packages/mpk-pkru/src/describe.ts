/**
 * PKRU values for people and for programs. A raw value such as 0x55555558 is
 * hard to read by eye (it is V8's key 1 write-disabled on top of the kernel's
 * default), so `describe` spells out every key and `decode` gives the same
 * information as data.
 */
import { KEY_COUNT, PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE, type Rights } from './bits.js';
import { checkPkru } from './validate.js';

export interface KeyRights {
  key: number;
  /** The key's two bits: PKEY_DISABLE_ACCESS (1) and/or PKEY_DISABLE_WRITE (2). */
  rights: Rights;
  /** Loads from pages tagged with this key are allowed (AD clear). */
  read: boolean;
  /** Stores are allowed: needs both AD and WD clear. */
  write: boolean;
}

/** Every key's rights in `pkru`, keys 0..15 in order. */
export function decode(pkru: number): KeyRights[] {
  const value = checkPkru(pkru);
  const keys: KeyRights[] = [];
  for (let key = 0; key < KEY_COUNT; key++) {
    const r = ((value >>> (2 * key)) & 0b11) as Rights;
    keys.push({ key, rights: r, read: (r & PKEY_DISABLE_ACCESS) === 0, write: r === 0 });
  }
  return keys;
}

/**
 * A per-key dump, one header line and sixteen key lines:
 *
 *     PKRU 0x55555558
 *     key  0  rw
 *     key  1  r-  (write-disabled)
 *     key  2  --  (access-disabled)
 *
 * AD wins over WD: a key with both bits set is shown as access-disabled,
 * which is what the hardware does with it.
 */
export function describe(pkru: number): string {
  const value = checkPkru(pkru);
  const lines = [`PKRU 0x${value.toString(16).toUpperCase().padStart(8, '0')}`];
  for (const { key, read, write, rights } of decode(value)) {
    const perms = `${read ? 'r' : '-'}${write ? 'w' : '-'}`;
    const note = (rights & PKEY_DISABLE_ACCESS) !== 0 ? '  (access-disabled)' : (rights & PKEY_DISABLE_WRITE) !== 0 ? '  (write-disabled)' : '';
    lines.push(`key ${String(key).padStart(2)}  ${perms}${note}`);
  }
  return lines.join('\n');
}
