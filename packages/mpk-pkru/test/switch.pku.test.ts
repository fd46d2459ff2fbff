import { describe, expect, it } from 'vitest';
import { keyBits, ownBits, read, switcher, update } from '../src/index.js';

describe('prepared switches under real PKU', () => {
  it('change exactly the owned bits, return the old PKRU, and restore', () => {
    const owned = ownBits(keyBits(9) | keyBits(10));
    const start = read();
    const deny = switcher(0xffffffff);
    const old = deny() >>> 0;
    expect(old).toBe(start);
    const now = read();
    expect(now & owned).toBe(owned);
    expect(now & ~owned).toBe(start & ~owned);
    // V8's key 1 (and key 0) keep their bits.
    expect(now & keyBits(1)).toBe(start & keyBits(1));
    switcher(start)();
    expect(read()).toBe(start);
    update(start, owned);
  });
});
