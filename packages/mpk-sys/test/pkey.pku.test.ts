/**
 * Protection keys under real enforcement (PKU hardware or the QEMU guest):
 * which keys pkey_alloc hands out inside Node, the alloc/free cycle, running
 * out, and what pkey_mprotect does to the pages according to the kernel
 * (/proc/self/smaps `ProtectionKey:`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { entriesIn, readSmaps } from '../../../test-support/smaps.js';
import {
  addressOf,
  mmap,
  mprotect,
  munmap,
  pageSize,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  pkeyAlloc,
  pkeyFree,
  pkeyMprotect,
  PROT_READ,
  PROT_WRITE,
} from '../src/index.js';
import { expectSystemError } from './helpers/errors.js';

const PAGE = pageSize();
const RW = PROT_READ | PROT_WRITE;

const held: number[] = [];
const buffers: ArrayBuffer[] = [];
afterEach(() => {
  for (const buffer of buffers.splice(0)) if (buffer.byteLength > 0) munmap(buffer);
  for (const key of held.splice(0)) pkeyFree(key);
});

/** Every key pkey_alloc will still give, in the order given (kept in `held`). */
function allocateAll(): number[] {
  const keys: number[] = [];
  for (let i = 0; i < 16; i++) {
    try {
      keys.push(pkeyAlloc());
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ENOSPC');
      break;
    }
  }
  held.push(...keys);
  return keys;
}

/**
 * The smaps entries covering [address, address + length), clipped to it, as
 * [offset in pages, pages, key, perms]. Clipped because an untagged part may
 * share its VMA with an adjacent anonymous mapping of the same prot and key.
 */
function keysOf(address: bigint, length: number): [number, number, number | undefined, string][] {
  const end = address + BigInt(length);
  return entriesIn(readSmaps(), address, length).map((e) => {
    const start = e.start > address ? e.start : address;
    const stop = e.end < end ? e.end : end;
    return [Number((start - address) / BigInt(PAGE)), Number((stop - start) / BigInt(PAGE)), e.protectionKey, e.perms];
  });
}

/** The exact [start, end) of every VMA carrying `key`. */
function rangesWithKey(key: number): [bigint, bigint][] {
  return readSmaps()
    .filter((e) => e.protectionKey === key)
    .map((e) => [e.start, e.end]);
}

describe('keys inside node', () => {
  it('pkey_alloc yields some keys, never 0, and not key 1 (V8 holds it)', () => {
    const keys = allocateAll();
    console.log(`pkey_alloc inside node ${process.version} yields keys: ${keys.join(', ')}`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys).not.toContain(0);
    expect(keys).not.toContain(1);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key).toBeGreaterThanOrEqual(2), expect(key).toBeLessThanOrEqual(15);
  });

  it('after the last key, ENOSPC (errno -28); freeing one makes it available again', () => {
    const keys = allocateAll();
    const error = expectSystemError(() => pkeyAlloc(), 'pkey_alloc', 'ENOSPC');
    expect(error.errno).toBe(-28);
    const last = keys[keys.length - 1]!;
    pkeyFree(last);
    held.splice(held.indexOf(last), 1);
    const again = pkeyAlloc();
    held.push(again);
    expect(again).toBe(last);
  });

  it('pkeyAlloc then pkeyFree: the kernel hands the same key out again, and a second free is EINVAL', () => {
    const key = pkeyAlloc();
    pkeyFree(key);
    const next = pkeyAlloc();
    expect(next).toBe(key);
    pkeyFree(next);
    expect(expectSystemError(() => pkeyFree(next), 'pkey_free', 'EINVAL').key).toBe(next);
  });

  it('initial rights are accepted (they apply to this thread only)', () => {
    for (const rights of [0, PKEY_DISABLE_WRITE, PKEY_DISABLE_ACCESS, PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE]) {
      const key = pkeyAlloc(0, rights);
      pkeyFree(key);
    }
  });
});

describe('pkeyMprotect and /proc/self/smaps', () => {
  it('a fresh mapping has key 0', () => {
    const buffer = mmap(2 * PAGE);
    buffers.push(buffer);
    expect(keysOf(addressOf(buffer), 2 * PAGE)).toEqual([[0, 2, 0, 'rw-p']]);
  });

  it('tags exactly the mapping\'s range with the key', () => {
    const key = pkeyAlloc();
    held.push(key);
    const buffer = mmap(3 * PAGE);
    buffers.push(buffer);
    const address = addressOf(buffer);
    pkeyMprotect(buffer, RW, key);
    expect(rangesWithKey(key)).toEqual([[address, address + BigInt(3 * PAGE)]]);
    // Memory with a key this thread may access works as before.
    new Uint8Array(buffer).fill(9);
    expect(new Uint8Array(buffer)[3 * PAGE - 1]).toBe(9);
  });

  it('a page-aligned view tags only its pages: the VMA splits around them', () => {
    const key = pkeyAlloc();
    held.push(key);
    const buffer = mmap(4 * PAGE);
    buffers.push(buffer);
    pkeyMprotect(new Uint8Array(buffer, PAGE, 2 * PAGE), PROT_READ, key);
    const address = addressOf(buffer);
    expect(rangesWithKey(key)).toEqual([[address + BigInt(PAGE), address + BigInt(3 * PAGE)]]);
    expect(keysOf(address, 4 * PAGE)).toEqual([
      [0, 1, 0, 'rw-p'],
      [1, 2, key, 'r--p'],
      [3, 1, 0, 'rw-p'],
    ]);
  });

  it('key -1 keeps the key while changing prot, and so does mprotect; key 0 resets it', () => {
    const key = pkeyAlloc();
    held.push(key);
    const buffer = mmap(2 * PAGE);
    buffers.push(buffer);
    const address = addressOf(buffer);
    pkeyMprotect(buffer, RW, key);
    pkeyMprotect(buffer, PROT_READ, -1);
    expect(keysOf(address, 2 * PAGE)).toEqual([[0, 2, key, 'r--p']]);
    mprotect(buffer, RW);
    expect(keysOf(address, 2 * PAGE)).toEqual([[0, 2, key, 'rw-p']]);
    pkeyMprotect(buffer, RW, 0);
    expect(keysOf(address, 2 * PAGE)).toEqual([[0, 2, 0, 'rw-p']]);
  });

  it('a key that is not allocated is refused by the kernel (EINVAL) and the pages keep theirs', () => {
    const keys = allocateAll();
    const free = keys.pop()!;
    pkeyFree(free);
    held.splice(held.indexOf(free), 1);
    const buffer = mmap(PAGE);
    buffers.push(buffer);
    expectSystemError(() => pkeyMprotect(buffer, RW, free), 'pkey_mprotect', 'EINVAL');
    expect(keysOf(addressOf(buffer), PAGE)).toEqual([[0, 1, 0, 'rw-p']]);
  });
});
