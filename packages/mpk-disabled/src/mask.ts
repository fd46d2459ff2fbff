import { MpkError, show } from './errors.js';
import { checkInteger } from './validate.js';
import type { ProtectionKey } from './key.js';

const MASK_BRAND = Symbol.for('mpk.ProtectionMask');

/** Keys 0..15: PKRU holds two bits for each. */
export const KEY_COUNT = 16;

/**
 * A value for the PKRU register, the way Wasmtime's `ProtectionMask` is one.
 *
 * PKRU gives each of the 16 keys two bits: bit 2k is AD (access disable) and
 * bit 2k+1 is WD (write disable). A set bit takes a right away, so the mask that
 * allows everything is 0 and the mask that allows only key 0 (the default key of
 * every mapping, which must always stay usable or the thread cannot even reach
 * its own stack) is every bit set but key 0's: 0xFFFFFFFC. `or(key)` clears a
 * key's two bits, granting it read and write.
 *
 * Masks are immutable values; `allow()` applies one. Unlike Wasmtime, applying a
 * mask changes only the bits of keys this library allocated: the rest of the
 * register belongs to other code in the process (V8 holds key 1 in Node).
 */
export class ProtectionMask {
  /** The PKRU value, an unsigned 32-bit integer. */
  readonly value: number;
  declare readonly [MASK_BRAND]: true;

  private constructor(value: number) {
    this.value = value >>> 0;
    Object.defineProperty(this, MASK_BRAND, { value: true });
    Object.freeze(this);
  }

  /**
   * A mask made by another copy of this module (the ESM and the CJS build both
   * loaded in one process) is still a mask: recognised by a registered brand,
   * not by which copy of the class made it.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [MASK_BRAND]?: unknown })[MASK_BRAND] === true;
  }

  /** Every key allowed: PKRU 0. */
  static all(): ProtectionMask {
    return ALL;
  }

  /** Only key 0 allowed: PKRU 0xFFFFFFFC. */
  static zero(): ProtectionMask {
    return ZERO;
  }

  /**
   * The mask for a raw PKRU value (for example one read back from the
   * register). Masks are values, so one object serves each value: a program
   * switches among a handful of masks, and reusing them keeps currentMask()
   * and enter() from building a frozen object on every call.
   */
  static fromValue(value: number): ProtectionMask {
    if (value === 0) return ALL;
    if (value === ZERO_VALUE) return ZERO;
    const known = MASKS.get(value);
    if (known !== undefined) return known;
    checkInteger('value', value, 0, 0xffffffff);
    const mask = new ProtectionMask(value);
    if (MASKS.size >= MASK_CACHE_LIMIT) MASKS.delete(MASKS.keys().next().value as number);
    MASKS.set(value, mask);
    return mask;
  }

  /** This mask with `key` allowed to read and write. */
  or(key: ProtectionKey): ProtectionMask {
    const bits = keyBitsOf(key);
    const value = (this.value & ~bits) >>> 0;
    return value === this.value ? this : ProtectionMask.fromValue(value);
  }

  /** Whether this mask lets `key` be read (AD clear) and, with `write`, written (WD clear too). */
  allows(key: ProtectionKey, access: 'read' | 'write' = 'write'): boolean {
    const bits = keyBitsOf(key);
    const needed = access === 'read' ? bits & 0x55555555 : bits;
    return (this.value & needed) === 0;
  }

  toString(): string {
    return `ProtectionMask(0x${this.value.toString(16).padStart(8, '0')})`;
  }
}

const ZERO_VALUE = 0xfffffffc;
/** Distinct masks kept for reuse; the oldest goes first past this many. */
const MASK_CACHE_LIMIT = 1024;
const MASKS = new Map<number, ProtectionMask>();
// Built after the class body so the private constructor is in scope.
const ALL: ProtectionMask = Reflect.construct(ProtectionMask, [0]);
const ZERO: ProtectionMask = Reflect.construct(ProtectionMask, [ZERO_VALUE]);

/** The two PKRU bits of a key; key 0 is refused: it is nobody's to grant or take. */
function keyBitsOf(key: ProtectionKey): number {
  const id = (key as { id?: unknown } | null | undefined)?.id;
  if (typeof key !== 'object' || key === null || typeof id !== 'number') {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `key must be a ProtectionKey, got ${show(key)}`, { argument: 'key', value: key });
  }
  checkInteger('key.id', id, 1, KEY_COUNT - 1);
  return (0b11 << (2 * id)) >>> 0;
}

/**
 * `allow()`, `withMask()` and `enter()` take only masks built by this class.
 * The brand is read directly (the same test as `instanceof`, without the
 * Symbol.hasInstance call), since this runs on every switch.
 */
export function checkMask(mask: unknown): asserts mask is ProtectionMask {
  if (typeof mask !== 'object' || mask === null || (mask as { [MASK_BRAND]?: unknown })[MASK_BRAND] !== true) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `mask must be a ProtectionMask (ProtectionMask.all(), .zero() or .or(key)), got ${show(mask)}`, { argument: 'mask', value: mask });
  }
}
