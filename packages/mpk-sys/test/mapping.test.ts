/**
 * mmap/munmap/mprotect on this host: page rounding, read-write memory, what
 * /proc/self/maps says about it, and what is left of a buffer after munmap.
 */
import { execFileSync } from 'node:child_process';
import { isArrayBuffer } from 'node:util/types';
import { describe, expect, it } from 'vitest';
import { native } from '../src/binding.js';
import {
  addressOf,
  available,
  liveMappings,
  mappingOf,
  mmap,
  mprotect,
  munmap,
  noop,
  pageSize,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  unavailableReason,
} from '../src/index.js';
import { expectMpkError } from './helpers/errors.js';
import { entryAt, readMaps } from './helpers/maps.js';

const PAGE = pageSize();

describe('the binding on this host', () => {
  it('is available', () => {
    expect(unavailableReason).toBeNull();
    expect(available).toBe(true);
  });

  it('pageSize() is the kernel page size', () => {
    expect(PAGE).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()));
  });

  it('noop() returns undefined', () => {
    expect(noop()).toBeUndefined();
  });
});

describe('mmap', () => {
  it.each([
    [1, PAGE],
    [PAGE - 1, PAGE],
    [PAGE, PAGE],
    [PAGE + 1, 2 * PAGE],
    [5 * PAGE, 5 * PAGE],
  ])('mmap(%i) has byteLength %i (rounded up to whole pages)', (length, expected) => {
    const buffer = mmap(length);
    expect(isArrayBuffer(buffer)).toBe(true);
    expect(buffer.byteLength).toBe(expected);
    expect(mappingOf(buffer).length).toBe(expected);
    munmap(buffer);
  });

  it('gives zeroed, readable and writable memory', () => {
    const buffer = mmap(2 * PAGE);
    const bytes = new Uint8Array(buffer);
    expect(bytes.every((b) => b === 0)).toBe(true);
    bytes.fill(0xab);
    new DataView(buffer).setUint32(PAGE, 0xdeadbeef, true);
    expect(bytes[0]).toBe(0xab);
    expect(bytes[2 * PAGE - 1]).toBe(0xab);
    expect(new Uint32Array(buffer, PAGE, 1)[0]).toBe(0xdeadbeef);
    munmap(buffer);
  });

  it('starts on a page boundary, and /proc/self/maps has it read-write, private and anonymous', () => {
    const buffer = mmap(3 * PAGE);
    const { address, length } = mappingOf(buffer);
    expect(address % BigInt(PAGE)).toBe(0n);
    expect(addressOf(buffer)).toBe(address);
    const entry = entryAt(readMaps(), address);
    expect(entry, 'no VMA at the mapping').toBeDefined();
    expect(entry!.perms).toBe('rw-p');
    expect(entry!.path).toBe('');
    expect(entry!.end).toBeGreaterThanOrEqual(address + BigInt(length));
    munmap(buffer);
  });

  it('addressOf a view adds its byteOffset; mappingOf a view gives the whole mapping', () => {
    const buffer = mmap(2 * PAGE);
    const base = addressOf(buffer);
    expect(addressOf(new Uint8Array(buffer, 10, 5))).toBe(base + 10n);
    expect(addressOf(new DataView(buffer, PAGE))).toBe(base + BigInt(PAGE));
    expect(addressOf(Buffer.from(buffer, 123, 1))).toBe(base + 123n);
    expect(mappingOf(new Uint16Array(buffer, 2, 3))).toEqual({ address: base, length: 2 * PAGE });
    // The native data pointer agrees with the registry.
    expect(native!.addressOf(buffer)).toBe(base);
    munmap(buffer);
  });

  it('liveMappings() counts each mapping until munmap', () => {
    const before = liveMappings();
    const a = mmap(PAGE);
    const b = mmap(PAGE);
    expect(liveMappings()).toBe(before + 2);
    munmap(a);
    expect(liveMappings()).toBe(before + 1);
    munmap(b);
    expect(liveMappings()).toBe(before);
  });
});

describe('mprotect', () => {
  it('changes what /proc/self/maps shows, for the whole mapping', () => {
    const buffer = mmap(2 * PAGE);
    const address = addressOf(buffer);
    mprotect(buffer, PROT_READ);
    expect(entryAt(readMaps(), address)?.perms).toBe('r--p');
    expect(entryAt(readMaps(), address + BigInt(PAGE))?.perms).toBe('r--p');
    mprotect(buffer, PROT_READ | PROT_WRITE);
    expect(entryAt(readMaps(), address)?.perms).toBe('rw-p');
    munmap(buffer);
  });

  it('a page-aligned view changes only its own pages (the VMA splits exactly there)', () => {
    const buffer = mmap(3 * PAGE);
    const address = addressOf(buffer);
    mprotect(new Uint8Array(buffer, PAGE, PAGE), PROT_NONE);
    const maps = readMaps();
    const middle = entryAt(maps, address + BigInt(PAGE));
    expect(middle).toMatchObject({ start: address + BigInt(PAGE), end: address + BigInt(2 * PAGE), perms: '---p' });
    expect(entryAt(maps, address)?.perms).toBe('rw-p');
    expect(entryAt(maps, address + BigInt(2 * PAGE))?.perms).toBe('rw-p');
    // The unprotected pages still work.
    new Uint8Array(buffer, 0, PAGE)[0] = 1;
    new Uint8Array(buffer, 2 * PAGE, PAGE)[0] = 2;
    munmap(buffer);
  });

  it('accepts any view type over whole pages: DataView, Buffer, Float64Array', () => {
    const buffer = mmap(4 * PAGE);
    mprotect(new DataView(buffer, PAGE, PAGE), PROT_READ);
    mprotect(Buffer.from(buffer, 2 * PAGE, PAGE), PROT_READ);
    mprotect(new Float64Array(buffer, 3 * PAGE, PAGE / 8), PROT_READ);
    const address = addressOf(buffer);
    const maps = readMaps();
    expect(entryAt(maps, address + BigInt(PAGE))).toMatchObject({ start: address + BigInt(PAGE), perms: 'r--p' });
    expect(entryAt(maps, address + BigInt(3 * PAGE))?.perms).toBe('r--p');
    munmap(buffer);
  });
});

describe('munmap', () => {
  it('detaches the buffer: it and every view over it read as empty', () => {
    const buffer = mmap(PAGE);
    const view = new Uint8Array(buffer);
    const data = new DataView(buffer);
    munmap(buffer);
    expect(buffer.byteLength).toBe(0);
    expect(view.length).toBe(0);
    expect(view[0]).toBeUndefined();
    expect(() => data.getUint8(0)).toThrow(TypeError);
  });

  it('later library calls throw ERR_MPK_UNMAPPED, never crash', () => {
    const buffer = mmap(PAGE);
    const view = new Uint8Array(buffer);
    const { address } = mappingOf(buffer);
    munmap(buffer);
    expectMpkError(() => munmap(buffer), 'ERR_MPK_UNMAPPED');
    expectMpkError(() => mprotect(buffer, PROT_READ), 'ERR_MPK_UNMAPPED');
    expectMpkError(() => mprotect(view, PROT_READ), 'ERR_MPK_UNMAPPED');
    expectMpkError(() => addressOf(buffer), 'ERR_MPK_UNMAPPED');
    const error = expectMpkError(() => mappingOf(view), 'ERR_MPK_UNMAPPED');
    expect(error.message).toContain(`0x${address.toString(16)}`);
  });

  it('the native side refuses an unmapped or foreign buffer on its own, past the TypeScript checks', () => {
    const buffer = mmap(PAGE);
    munmap(buffer);
    expect(() => native!.munmap(buffer)).toThrow(expect.objectContaining({ code: 'ERR_MPK_UNMAPPED' }));
    expect(() => native!.mprotect(buffer, 0, PAGE, PROT_READ)).toThrow(expect.objectContaining({ code: 'ERR_MPK_UNMAPPED' }));
    expect(() => native!.munmap(new ArrayBuffer(PAGE))).toThrow(expect.objectContaining({ code: 'ERR_MPK_FOREIGN_MEMORY' }));
    const live = mmap(PAGE);
    expect(() => native!.mprotect(live, PAGE, PAGE, PROT_READ)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    expect(() => native!.mprotect(live, -1, PAGE, PROT_READ)).toThrow(expect.objectContaining({ code: 'ERR_MPK_OUT_OF_RANGE' }));
    munmap(live);
  });
});
