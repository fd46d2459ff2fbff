import { describe as group, expect, it } from 'vitest';
import {
  ALLOW_ACCESS,
  DEFAULT_PKRU,
  DISABLE_ACCESS,
  KEY_COUNT,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  keyBits,
  rights,
  withRights,
} from '../src/index.js';

const KEYS = Array.from({ length: 16 }, (_, k) => k);
const RIGHTS = [0, 1, 2, 3] as const;
/** Values that exercise the sign bit, alternating patterns and the extremes. */
const SAMPLES = [0, 1, 0x55555554, 0x55555558, 0xaaaaaaaa, 0x80000000, 0x7fffffff, 0xfffffffc, 0xffffffff, 0x12345678];

group('constants', () => {
  it('match the hardware and kernel values', () => {
    expect(KEY_COUNT).toBe(16);
    expect(ALLOW_ACCESS).toBe(0);
    expect(DISABLE_ACCESS).toBe(0xffffffff);
    expect(DISABLE_ACCESS).toBeGreaterThan(0);
    expect(PKEY_DISABLE_ACCESS).toBe(1);
    expect(PKEY_DISABLE_WRITE).toBe(2);
    expect(DEFAULT_PKRU).toBe(0x55555554);
  });

  it('DEFAULT_PKRU opens key 0 and access-disables keys 1..15', () => {
    expect(rights(DEFAULT_PKRU, 0)).toBe(0);
    for (const k of KEYS.slice(1)) expect(rights(DEFAULT_PKRU, k)).toBe(PKEY_DISABLE_ACCESS);
  });
});

group('keyBits', () => {
  it.each([
    [0, 0b11],
    [1, 0b1100],
    [2, 0x30],
    [5, 0xc00],
    [8, 0x30000],
    [14, 0x30000000],
    [15, 0xc0000000],
  ])('keyBits(%i) = %i', (key, bits) => {
    expect(keyBits(key)).toBe(bits);
  });

  it('keyBits(15) is a positive uint32, not a negative int32', () => {
    expect(keyBits(15)).toBe(3221225472);
    expect(keyBits(15)).toBeGreaterThan(0);
  });

  it('the sixteen masks are disjoint and together cover all 32 bits', () => {
    let union = 0;
    for (const k of KEYS) {
      expect((union & keyBits(k)) >>> 0).toBe(0);
      union = (union | keyBits(k)) >>> 0;
    }
    expect(union).toBe(0xffffffff);
  });
});

group('rights', () => {
  it.each([
    [0x55555558, 0, 0],
    [0x55555558, 1, PKEY_DISABLE_WRITE],
    [0x55555558, 2, PKEY_DISABLE_ACCESS],
    [0xffffffff, 15, 3],
    [0x80000000, 15, PKEY_DISABLE_WRITE],
    [0x40000000, 15, PKEY_DISABLE_ACCESS],
    [0xfffffffc, 0, 0],
    [0x00000c00, 5, 3],
    [0x00000c00, 4, 0],
  ])('rights(%i, %i) = %i', (pkru, key, r) => {
    expect(rights(pkru, key)).toBe(r);
  });
});

group('withRights', () => {
  it.each([
    [0, 0, 3, 0x3],
    [0, 15, 3, 0xc0000000],
    [0, 15, PKEY_DISABLE_WRITE, 0x80000000],
    [DEFAULT_PKRU, 1, PKEY_DISABLE_WRITE, 0x55555558],
    [0xffffffff, 0, 0, 0xfffffffc],
    // Wasmtime's ProtectionMask::zero().or(key 5)
    [0xfffffffc, 5, 0, 0xfffff3fc],
    [0x55555558, 2, 0, 0x55555548],
  ])('withRights(%i, %i, %i) = %i', (pkru, key, r, expected) => {
    expect(withRights(pkru, key, r)).toBe(expected);
  });

  it('round-trips through rights() for every sample, key and rights value', () => {
    for (const pkru of SAMPLES) {
      for (const k of KEYS) {
        for (const r of RIGHTS) {
          expect(rights(withRights(pkru, k, r), k)).toBe(r);
        }
      }
    }
  });

  it('changes only the two bits of the key it was given', () => {
    for (const pkru of SAMPLES) {
      for (const k of KEYS) {
        for (const r of RIGHTS) {
          const changed = (withRights(pkru, k, r) ^ pkru) >>> 0;
          expect((changed & ~keyBits(k)) >>> 0).toBe(0);
          for (const other of KEYS) {
            if (other !== k) expect(rights(withRights(pkru, k, r), other)).toBe(rights(pkru, other));
          }
        }
      }
    }
  });

  it('always returns a uint32', () => {
    for (const pkru of SAMPLES) {
      for (const k of KEYS) {
        for (const r of RIGHTS) {
          const v = withRights(pkru, k, r);
          expect(Number.isInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(0xffffffff);
          expect(v >>> 0).toBe(v);
        }
      }
    }
  });

  it('builds any value key by key', () => {
    for (const pkru of SAMPLES) {
      let built = 0;
      for (const k of KEYS) built = withRights(built, k, rights(pkru, k));
      expect(built).toBe(pkru);
    }
  });

  it('accepts -0 as 0 and returns +0', () => {
    expect(Object.is(withRights(-0, 0, 0), 0)).toBe(true);
  });
});
