import { describe, expect, it } from 'vitest';
import { checkMask, ProtectionMask, type ProtectionKey } from '../src/index.js';

/** A stand-in key: masks only read `id`. */
const key = (id: number) => ({ id, stripe: 0 }) as unknown as ProtectionKey;

describe('ProtectionMask (Wasmtime values)', () => {
  it('all() allows every key: PKRU 0', () => {
    expect(ProtectionMask.all().value).toBe(0);
  });
  it('zero() allows only key 0: PKRU 0xFFFFFFFC', () => {
    expect(ProtectionMask.zero().value).toBe(0xfffffffc);
  });
  it('zero().or(key 5) clears key 5 bits: 0xFFFFF3FC', () => {
    expect(ProtectionMask.zero().or(key(5)).value).toBe(0xfffff3fc);
  });
  it('all().or(k) stays 0 for every key', () => {
    for (let id = 1; id < 16; id++) expect(ProtectionMask.all().or(key(id)).value).toBe(0);
  });
  it('or() of key 15 gives an unsigned value', () => {
    expect(ProtectionMask.zero().or(key(15)).value).toBe(0x3ffffffc);
  });
  it('is immutable', () => {
    const mask = ProtectionMask.zero();
    expect(Object.isFrozen(mask)).toBe(true);
    expect(() => {
      (mask as { value: number }).value = 1;
    }).toThrow(TypeError);
    mask.or(key(3));
    expect(mask.value).toBe(0xfffffffc);
  });
  it('allows() reads the key bits', () => {
    const mask = ProtectionMask.zero().or(key(2));
    expect(mask.allows(key(2))).toBe(true);
    expect(mask.allows(key(3))).toBe(false);
    expect(ProtectionMask.fromValue(0b10 << 6).allows(key(3), 'read')).toBe(true);
    expect(ProtectionMask.fromValue(0b10 << 6).allows(key(3), 'write')).toBe(false);
  });
  it('fromValue round-trips and checks its input', () => {
    expect(ProtectionMask.fromValue(0x55555554).value).toBe(0x55555554);
    expect(ProtectionMask.fromValue(0)).toBe(ProtectionMask.all());
    expect(() => ProtectionMask.fromValue(-1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => ProtectionMask.fromValue(2 ** 32)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => ProtectionMask.fromValue(1.5)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    expect(() => ProtectionMask.fromValue(Number.NaN)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
  it('or() refuses what is not a key, and key 0', () => {
    const mask = ProtectionMask.zero();
    expect(() => mask.or(null as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    expect(() => mask.or(5 as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    expect(() => mask.or(key(0))).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => mask.or(key(16))).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => mask.or(key(2.5))).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
  it('cannot be constructed from outside', () => {
    // The constructor is private in the types; at run time it still freezes what it makes.
    const made = Reflect.construct(ProtectionMask, [7]) as ProtectionMask;
    expect(made.value).toBe(7);
    expect(Object.isFrozen(made)).toBe(true);
  });
  it('prints as hex', () => {
    expect(String(ProtectionMask.zero())).toBe('ProtectionMask(0xfffffffc)');
  });
});

describe('ProtectionMask identity', () => {
  it('one object per value, including past the cache limit, and all()/zero() stay themselves', () => {
    expect(ProtectionMask.fromValue(0x1234)).toBe(ProtectionMask.fromValue(0x1234));
    for (let value = 1; value < 3000; value++) ProtectionMask.fromValue(value * 4);
    expect(ProtectionMask.fromValue(0)).toBe(ProtectionMask.all());
    expect(ProtectionMask.fromValue(0xfffffffc)).toBe(ProtectionMask.zero());
    expect(ProtectionMask.fromValue(0x1234).value).toBe(0x1234);
  });
  it('a mask from another copy of the module (same brand) is accepted', () => {
    const foreign = Object.freeze({ value: 0, [Symbol.for('mpk.ProtectionMask')]: true });
    expect(foreign instanceof ProtectionMask).toBe(true);
    expect(() => checkMask(foreign)).not.toThrow();
    expect(() => checkMask({ value: 0 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
});
