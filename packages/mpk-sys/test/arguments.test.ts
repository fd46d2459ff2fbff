/**
 * Every argument error is an MpkError with its ERR_MPK_ code, thrown before
 * the native binding is asked to do anything: the syscall methods are spied
 * on and must not have been called.
 */
import { constants as bufferConstants } from 'node:buffer';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { native } from '../src/binding.js';
import {
  addressOf,
  mappingOf,
  mmap,
  mprotect,
  munmap,
  pageSize,
  pkeyAlloc,
  pkeyFree,
  pkeyMprotect,
  PROT_READ,
  PROT_WRITE,
  setMappingLabel,
} from '../src/index.js';
import { expectMpkError } from './helpers/errors.js';

const binding = native!;
const SYSCALLS = ['pkeyAlloc', 'pkeyFree', 'pkeyMprotect', 'mprotect', 'mmap', 'munmap', 'setMappingLabel'] as const;
type Code = `ERR_MPK_${string}`;

const PAGE = pageSize();
const RW = PROT_READ | PROT_WRITE;
const mapping = mmap(3 * PAGE);
const unmapped = mmap(PAGE);
const viewOfUnmapped = new Uint8Array(unmapped);
munmap(unmapped);

afterAll(() => munmap(mapping));

let spies: [string, { mock: { calls: unknown[] } }][] = [];
beforeEach(() => {
  spies = SYSCALLS.map((name) => [name, vi.spyOn(binding, name)]);
});
afterEach(() => {
  const called = spies.filter(([, spy]) => spy.mock.calls.length > 0).map(([name]) => name);
  vi.restoreAllMocks();
  expect(called, 'native calls made before the argument was refused').toEqual([]);
});

/** Targets that are not an mpk-sys mapping, each with the code it must get. */
const badTargets: [string, unknown, Code][] = [
  ['null', null, 'ERR_MPK_INVALID_ARGUMENT'],
  ['undefined', undefined, 'ERR_MPK_INVALID_ARGUMENT'],
  ['a number (an address)', 0x7f0000000000, 'ERR_MPK_INVALID_ARGUMENT'],
  ['a bigint', 0x7f0000000000n, 'ERR_MPK_INVALID_ARGUMENT'],
  ['a string', 'buffer', 'ERR_MPK_INVALID_ARGUMENT'],
  ['a plain object', { buffer: mapping, byteOffset: 0, byteLength: PAGE }, 'ERR_MPK_INVALID_ARGUMENT'],
  ['an array', [1, 2, 3], 'ERR_MPK_INVALID_ARGUMENT'],
  ['new ArrayBuffer', new ArrayBuffer(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
  ['a Uint8Array over new ArrayBuffer', new Uint8Array(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
  ['Buffer.alloc', Buffer.alloc(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
  ['a pooled Buffer.from', Buffer.from('pooled'), 'ERR_MPK_FOREIGN_MEMORY'],
  ['a SharedArrayBuffer', new SharedArrayBuffer(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
  ['a view over a SharedArrayBuffer', new Uint8Array(new SharedArrayBuffer(PAGE)), 'ERR_MPK_FOREIGN_MEMORY'],
  ['a DataView over new ArrayBuffer', new DataView(new ArrayBuffer(PAGE)), 'ERR_MPK_FOREIGN_MEMORY'],
  ['an unmapped mapping', unmapped, 'ERR_MPK_UNMAPPED'],
  ['a view over an unmapped mapping', viewOfUnmapped, 'ERR_MPK_UNMAPPED'],
  ['an empty view', new Uint8Array(mapping, PAGE, 0), 'ERR_MPK_EMPTY'],
  ['an empty view at offset 0', new Uint8Array(mapping, 0, 0), 'ERR_MPK_EMPTY'],
  ['a view starting 1 byte into a page', new Uint8Array(mapping, 1, PAGE), 'ERR_MPK_UNALIGNED'],
  ['a view starting mid-mapping off a page boundary', new Uint8Array(mapping, PAGE + 8, PAGE), 'ERR_MPK_UNALIGNED'],
  ['a partial page', new Uint8Array(mapping, 0, 100), 'ERR_MPK_UNALIGNED'],
  ['a page and a bit', new Uint8Array(mapping, PAGE, PAGE + 1), 'ERR_MPK_UNALIGNED'],
  ['a Float64Array ending mid-page', new Float64Array(mapping, 0, 10), 'ERR_MPK_UNALIGNED'],
  ['a DataView of a partial page', new DataView(mapping, PAGE, 16), 'ERR_MPK_UNALIGNED'],
  ['a Buffer view off a page boundary', Buffer.from(mapping, 512, PAGE), 'ERR_MPK_UNALIGNED'],
];

const badProts: [string, unknown, Code][] = [
  ['a string', '1', 'ERR_MPK_INVALID_ARGUMENT'],
  ['NaN', NaN, 'ERR_MPK_INVALID_ARGUMENT'],
  ['a fraction', 1.5, 'ERR_MPK_INVALID_ARGUMENT'],
  ['Infinity', Infinity, 'ERR_MPK_INVALID_ARGUMENT'],
  ['a bigint', 1n, 'ERR_MPK_INVALID_ARGUMENT'],
  ['undefined', undefined, 'ERR_MPK_INVALID_ARGUMENT'],
  ['negative', -1, 'ERR_MPK_OUT_OF_RANGE'],
  ['huge', 2 ** 40, 'ERR_MPK_OUT_OF_RANGE'],
  ['an unknown bit (8)', 8, 'ERR_MPK_OUT_OF_RANGE'],
  ['PROT_GROWSDOWN', 0x01000000, 'ERR_MPK_OUT_OF_RANGE'],
  ['READ with an unknown bit', PROT_READ | 0x10, 'ERR_MPK_OUT_OF_RANGE'],
];

const badKeys: [string, unknown, Code][] = [
  ['a string', '2', 'ERR_MPK_INVALID_ARGUMENT'],
  ['NaN', NaN, 'ERR_MPK_INVALID_ARGUMENT'],
  ['a fraction', 2.5, 'ERR_MPK_INVALID_ARGUMENT'],
  ['null', null, 'ERR_MPK_INVALID_ARGUMENT'],
  ['undefined', undefined, 'ERR_MPK_INVALID_ARGUMENT'],
  ['-2', -2, 'ERR_MPK_OUT_OF_RANGE'],
  ['16', 16, 'ERR_MPK_OUT_OF_RANGE'],
  ['huge', 2 ** 53, 'ERR_MPK_OUT_OF_RANGE'],
];

describe('mprotect', () => {
  it.each(badTargets)('refuses %s as target', (_, target, code) => {
    expectMpkError(() => mprotect(target as ArrayBuffer, PROT_READ), code);
  });
  it.each(badProts)('refuses %s as prot', (_, prot, code) => {
    expectMpkError(() => mprotect(mapping, prot as number), code);
  });
});

describe('pkeyMprotect', () => {
  it.each(badTargets)('refuses %s as target', (_, target, code) => {
    expectMpkError(() => pkeyMprotect(target as ArrayBuffer, RW, 1), code);
  });
  it.each(badProts)('refuses %s as prot', (_, prot, code) => {
    expectMpkError(() => pkeyMprotect(mapping, prot as number, 1), code);
  });
  it.each(badKeys)('refuses %s as key', (_, key, code) => {
    expectMpkError(() => pkeyMprotect(mapping, RW, key as number), code);
  });
});

describe('setMappingLabel', () => {
  it.each(badTargets)('refuses %s as target', (_, target, code) => {
    expectMpkError(() => setMappingLabel(target as ArrayBuffer, 'label'), code);
  });
  it.each([
    ['a number', 1],
    ['undefined', undefined],
    ['an object', { toString: () => 'label' }],
  ])('refuses %s as label', (_, label) => {
    expectMpkError(() => setMappingLabel(mapping, label as string), 'ERR_MPK_INVALID_ARGUMENT');
  });
});

describe('pkeyAlloc', () => {
  it.each([
    ['flags as a string', ['0', 0], 'ERR_MPK_INVALID_ARGUMENT'],
    ['flags NaN', [NaN, 0], 'ERR_MPK_INVALID_ARGUMENT'],
    ['flags a fraction', [0.5, 0], 'ERR_MPK_INVALID_ARGUMENT'],
    ['flags null', [null, 0], 'ERR_MPK_INVALID_ARGUMENT'],
    ['flags 1 (must be 0)', [1, 0], 'ERR_MPK_OUT_OF_RANGE'],
    ['flags -1', [-1, 0], 'ERR_MPK_OUT_OF_RANGE'],
    ['rights as a string', [0, '1'], 'ERR_MPK_INVALID_ARGUMENT'],
    ['rights NaN', [0, NaN], 'ERR_MPK_INVALID_ARGUMENT'],
    ['rights a fraction', [0, 1.5], 'ERR_MPK_INVALID_ARGUMENT'],
    ['rights Infinity', [0, Infinity], 'ERR_MPK_INVALID_ARGUMENT'],
    ['rights a bigint', [0, 1n], 'ERR_MPK_INVALID_ARGUMENT'],
    ['rights 4', [0, 4], 'ERR_MPK_OUT_OF_RANGE'],
    ['rights -1', [0, -1], 'ERR_MPK_OUT_OF_RANGE'],
    ['rights huge', [0, 2 ** 40], 'ERR_MPK_OUT_OF_RANGE'],
  ] as [string, unknown[], Code][])('refuses %s', (_, args, code) => {
    expectMpkError(() => (pkeyAlloc as (...a: unknown[]) => number)(...args), code);
  });
});

describe('pkeyFree', () => {
  it.each([
    ['a string', '2', 'ERR_MPK_INVALID_ARGUMENT'],
    ['NaN', NaN, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a fraction', 1.5, 'ERR_MPK_INVALID_ARGUMENT'],
    ['undefined', undefined, 'ERR_MPK_INVALID_ARGUMENT'],
    ['key 0 (the default key)', 0, 'ERR_MPK_OUT_OF_RANGE'],
    ['key -1', -1, 'ERR_MPK_OUT_OF_RANGE'],
    ['key 16', 16, 'ERR_MPK_OUT_OF_RANGE'],
    ['a huge key', 2 ** 53, 'ERR_MPK_OUT_OF_RANGE'],
  ] as [string, unknown, Code][])('refuses %s', (_, key, code) => {
    expectMpkError(() => pkeyFree(key as number), code);
  });

  it('says why key 0 is refused', () => {
    expect(() => pkeyFree(0)).toThrow(/key 0 is the default key/);
  });
});

describe('mmap', () => {
  it.each([
    ['a string', '4096', 'ERR_MPK_INVALID_ARGUMENT'],
    ['NaN', NaN, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a fraction', 4096.5, 'ERR_MPK_INVALID_ARGUMENT'],
    ['Infinity', Infinity, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a bigint', 4096n, 'ERR_MPK_INVALID_ARGUMENT'],
    ['undefined', undefined, 'ERR_MPK_INVALID_ARGUMENT'],
    ['zero', 0, 'ERR_MPK_OUT_OF_RANGE'],
    ['negative', -4096, 'ERR_MPK_OUT_OF_RANGE'],
    ['more than an ArrayBuffer can hold', bufferConstants.MAX_LENGTH + 1, 'ERR_MPK_OUT_OF_RANGE'],
    ['2^53', 2 ** 53, 'ERR_MPK_OUT_OF_RANGE'],
  ] as [string, unknown, Code][])('refuses %s as length', (_, length, code) => {
    expectMpkError(() => mmap(length as number), code);
  });
});

describe('munmap', () => {
  it.each([
    ['a view over a mapping', new Uint8Array(mapping), 'ERR_MPK_INVALID_ARGUMENT'],
    ['a number', 1, 'ERR_MPK_INVALID_ARGUMENT'],
    ['null', null, 'ERR_MPK_INVALID_ARGUMENT'],
    ['new ArrayBuffer', new ArrayBuffer(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
    ['the ArrayBuffer of Buffer.alloc', Buffer.alloc(PAGE).buffer, 'ERR_MPK_FOREIGN_MEMORY'],
    ['a SharedArrayBuffer', new SharedArrayBuffer(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
    ['an unmapped mapping (double munmap)', unmapped, 'ERR_MPK_UNMAPPED'],
  ] as [string, unknown, Code][])('refuses %s', (_, buffer, code) => {
    expectMpkError(() => munmap(buffer as ArrayBuffer), code);
  });

  it('tells a caller who passed a view to pass its buffer', () => {
    expect(() => munmap(new Uint8Array(mapping) as unknown as ArrayBuffer)).toThrow(/\.buffer/);
  });
});

describe('addressOf and mappingOf', () => {
  it.each(badTargets.filter(([, , code]) => code !== 'ERR_MPK_EMPTY' && code !== 'ERR_MPK_UNALIGNED'))(
    'refuse %s',
    (_, target, code) => {
      expectMpkError(() => addressOf(target as ArrayBuffer), code);
      expectMpkError(() => mappingOf(target as ArrayBuffer), code);
    },
  );
});

describe('what an argument error carries', () => {
  it('an unaligned target: address, offset, length and page size, in properties and message', () => {
    const view = new Uint8Array(mapping, PAGE + 8, PAGE);
    const error = expectMpkError(() => mprotect(view, PROT_READ), 'ERR_MPK_UNALIGNED');
    const address = addressOf(view);
    expect(error).toMatchObject({ address, offset: PAGE + 8, length: PAGE, pageSize: PAGE });
    expect(error.message).toContain(`0x${address.toString(16)}`);
    expect(error.message).toContain(`offset ${PAGE + 8}`);
    expect(error.message).toContain(`page size ${PAGE}`);
    expect(error.name).toBe('MpkError');
  });

  it('a partial last page names the length', () => {
    const error = expectMpkError(() => pkeyMprotect(new Uint8Array(mapping, 0, PAGE + 1), RW, 1), 'ERR_MPK_UNALIGNED');
    expect(error).toMatchObject({ offset: 0, length: PAGE + 1 });
    expect(error.message).toMatch(/not a whole number of pages/);
  });

  it('an out-of-range number: argument, value and bounds', () => {
    const error = expectMpkError(() => pkeyMprotect(mapping, RW, 16), 'ERR_MPK_OUT_OF_RANGE');
    expect(error).toMatchObject({ argument: 'key', value: 16, min: -1, max: 15 });
    expect(error.message).toContain('16');
    expect(error.details).toMatchObject({ argument: 'key', value: 16 });
  });

  it('a wrong type: the value as it was given', () => {
    const error = expectMpkError(() => pkeyAlloc(0, '1' as unknown as number), 'ERR_MPK_INVALID_ARGUMENT');
    expect(error).toMatchObject({ argument: 'accessRights', value: '1' });
    expect(error.message).toContain('"1"');
  });

  it('a bad prot bit: the value in hex', () => {
    const error = expectMpkError(() => mprotect(mapping, 8), 'ERR_MPK_OUT_OF_RANGE');
    expect(error.message).toContain('0x8');
  });

  it('foreign memory: what the memory is', () => {
    const error = expectMpkError(() => mprotect(Buffer.alloc(10), PROT_READ), 'ERR_MPK_FOREIGN_MEMORY');
    expect(error.message).toMatch(/not memory mapped by mpk-sys/);
  });
});
