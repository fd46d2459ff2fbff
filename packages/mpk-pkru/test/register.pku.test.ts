/**
 * read(), write() and update() on a CPU with PKU and OSPKE (PKU hardware or
 * the QEMU guest). The vitest worker is a node process of its own, so V8's
 * key 1 is there; keys 14 and 15 are never allocated by anyone in it, so
 * flipping their bits is harmless, and every test puts PKRU back.
 *
 * These tests would fail if write() or update() did not really execute
 * WRPKRU: each one reads back a value that differs from the starting one.
 */
import { afterEach, beforeAll, describe as group, expect, it } from 'vitest';
import {
  DISABLE_ACCESS,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  describe,
  hasCpuidBitSet,
  keyBits,
  osEnabled,
  read,
  rights,
  update,
  withRights,
  write,
} from '../src/index.js';
import { ending, runNode } from './helpers.js';

const SPARE = 15; // a key nobody in this process allocates
const SPARE2 = 14;
const V8_KEY = 1;

// The ES2022 lib this workspace compiles against has no WebAssembly types.
const Wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }> };
}).WebAssembly;

let initial = 0;
beforeAll(() => {
  initial = read();
  console.log(`PKRU in the vitest worker:\n${describe(initial)}`);
});
afterEach(() => {
  // Put back whatever a failing test left behind; key 1 is V8's.
  write(withRights(withRights(read(), SPARE, rights(initial, SPARE)), SPARE2, rights(initial, SPARE2)));
});

group('on a CPU with PKU and OSPKE', () => {
  it('detection says so', () => {
    expect(hasCpuidBitSet()).toBe(true);
    expect(osEnabled()).toBe(true);
  });

  it("read() in a fresh node process: key 0 open, V8's key 1 write-disabled, the rest at the kernel default", () => {
    const r = runNode(['-e', `const p = require('mpk-pkru'); console.log(p.read())`]);
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    const pkru = Number(r.stdout.trim());
    console.log(`PKRU in a fresh node ${process.version} process:\n${describe(pkru)}`);
    expect(pkru >>> 0).toBe(pkru);
    expect(rights(pkru, 0)).toBe(0);
    // Node's V8 allocates key 1 at startup with PKEY_DISABLE_WRITE over its code space.
    expect(rights(pkru, V8_KEY) & PKEY_DISABLE_WRITE).toBe(PKEY_DISABLE_WRITE);
    for (let k = 2; k < 16; k++) expect(rights(pkru, k), `key ${k}`).toBe(PKEY_DISABLE_ACCESS);
  });

  it('read() in this worker shows the same picture for keys 0 and 1', () => {
    const pkru = read();
    expect(rights(pkru, 0)).toBe(0);
    expect(rights(pkru, V8_KEY) & PKEY_DISABLE_WRITE).toBe(PKEY_DISABLE_WRITE);
  });

  it('write() then read() round-trips every rights value of a spare key, then restores', () => {
    const before = read();
    for (const r of [0, 1, 2, 3]) {
      const value = withRights(before, SPARE, r);
      write(value);
      expect(read()).toBe(value);
    }
    write(before);
    expect(read()).toBe(before);
  });

  it('write() sees a change it made (the value differs from the starting one)', () => {
    const before = read();
    const flipped = withRights(before, SPARE, rights(before, SPARE) ^ 0b11);
    expect(flipped).not.toBe(before);
    write(flipped);
    const after = read();
    write(before);
    expect(after).toBe(flipped);
  });

  it("write() of a value derived from read() keeps V8's key-1 bits, and V8 keeps working", async () => {
    const before = read();
    write(withRights(before, SPARE, 0));
    expect(rights(read(), V8_KEY)).toBe(rights(before, V8_KEY));
    // V8 writes into its key-1 code space when it compiles wasm; it must still be able to.
    const wasm = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03,
      0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20,
      0x00, 0x20, 0x01, 0x6a, 0x0b,
    ]);
    const { instance } = await Wasm.instantiate(wasm);
    expect((instance.exports.add as (a: number, b: number) => number)(2, 40)).toBe(42);
    expect(rights(read(), SPARE)).toBe(0);
    expect(rights(read(), V8_KEY)).toBe(rights(before, V8_KEY));
    write(before);
  });

  it('update(value, ownedBits) returns the old value and changes only ownedBits', () => {
    const before = read();
    const owned = (keyBits(SPARE) | keyBits(SPARE2)) >>> 0;
    // Every bit set outside the owned keys: if any leaked, key 0 (this
    // thread's stack and heap) would be closed and the worker would die.
    const value = withRights(withRights(DISABLE_ACCESS, SPARE, PKEY_DISABLE_WRITE), SPARE2, 0);
    const expected = ((before & ~owned) | (value & owned)) >>> 0;
    expect(expected).not.toBe(before);

    const old = update(value, owned);
    const now = read();
    expect(old).toBe(before);
    expect(now).toBe(expected);
    expect(rights(now, SPARE)).toBe(PKEY_DISABLE_WRITE);
    expect(rights(now, SPARE2)).toBe(0);
    expect(rights(now, 0)).toBe(rights(before, 0));
    expect(rights(now, V8_KEY)).toBe(rights(before, V8_KEY));

    // Restoring with the returned value gives back exactly the start.
    expect(update(old, owned)).toBe(expected);
    expect(read()).toBe(before);
  });

  it('update(x, 0) changes nothing and returns the current value', () => {
    const before = read();
    expect(update(DISABLE_ACCESS, 0)).toBe(before);
    expect(update(0, 0)).toBe(before);
    expect(read()).toBe(before);
  });

  it('update(value, 0xFFFFFFFF) is a whole-register write', () => {
    const before = read();
    const value = withRights(before, SPARE, 0);
    expect(update(value, 0xffffffff)).toBe(before);
    expect(read()).toBe(value);
    write(before);
  });

  it('returns values with bit 31 set as positive numbers', () => {
    const before = read();
    const value = withRights(before, SPARE, PKEY_DISABLE_WRITE); // bit 31: key 15's WD
    write(value);
    const got = read();
    write(before);
    expect(got).toBe(value);
    expect(got).toBeGreaterThanOrEqual(0x80000000);
    expect(update(before, keyBits(SPARE))).toBe(before);
  });
});
