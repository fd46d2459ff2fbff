/**
 * probeAccess() on the host: its arguments are checked before any fork (the
 * native method is spied on and must not have been called), plain memory
 * probes 'ok', and page protection (which needs no PKU) makes the child
 * fault with SEGV_ACCERR at the exact byte. The protection-key cases run in
 * the PKU guest (mpk-core's matrix.pku.test.ts).
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { native } from '../src/binding.js';
import { addressOf, mmap, mprotect, munmap, pageSize, probeAccess, PROT_NONE, PROT_READ, PROT_WRITE } from '../src/index.js';
import { expectMpkError } from './helpers/errors.js';

const PAGE = pageSize();
const SEGV_ACCERR = 2;
const mapping = mmap(3 * PAGE);
const bytes = new Uint8Array(mapping);
bytes[10] = 42;
const unmapped = mmap(PAGE);
const viewOfUnmapped = new Uint8Array(unmapped, 8, 16);
munmap(unmapped);

afterAll(() => munmap(mapping));

describe('probeAccess: arguments', () => {
  let spy: { mock: { calls: unknown[] } };
  afterEach(() => {
    expect(spy.mock.calls, 'forked before the argument was refused').toEqual([]);
    vi.restoreAllMocks();
  });
  const refuse = (args: unknown[], code: string) => {
    spy = vi.spyOn(native!, 'probeAccess');
    expectMpkError(() => (probeAccess as (...a: unknown[]) => unknown)(...args), code);
  };

  it.each([
    ['null', null, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a number', 0x7f0000000000, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a bigint address', 0x7f0000000000n, 'ERR_MPK_INVALID_ARGUMENT'],
    ['new ArrayBuffer', new ArrayBuffer(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
    ['a Buffer', Buffer.alloc(16), 'ERR_MPK_FOREIGN_MEMORY'],
    ['a SharedArrayBuffer', new SharedArrayBuffer(PAGE), 'ERR_MPK_FOREIGN_MEMORY'],
    ['an unmapped mapping', unmapped, 'ERR_MPK_UNMAPPED'],
    ['a view over an unmapped mapping', viewOfUnmapped, 'ERR_MPK_UNMAPPED'],
    ['an empty view', new Uint8Array(mapping, PAGE, 0), 'ERR_MPK_EMPTY'],
  ] as [string, unknown, string][])('refuses %s as target', (_, target, code) => {
    refuse([target, 0, 'read'], code);
  });

  it.each([
    ['a string', '0', 'ERR_MPK_INVALID_ARGUMENT'],
    ['NaN', NaN, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a fraction', 0.5, 'ERR_MPK_INVALID_ARGUMENT'],
    ['Infinity', Infinity, 'ERR_MPK_INVALID_ARGUMENT'],
    ['a bigint', 0n, 'ERR_MPK_INVALID_ARGUMENT'],
    ['undefined', undefined, 'ERR_MPK_INVALID_ARGUMENT'],
    ['-1', -1, 'ERR_MPK_OUT_OF_RANGE'],
    ['the length of the target', 3 * PAGE, 'ERR_MPK_OUT_OF_RANGE'],
    ['2^53', 2 ** 53, 'ERR_MPK_OUT_OF_RANGE'],
  ] as [string, unknown, string][])('refuses %s as offset', (_, offset, code) => {
    refuse([mapping, offset, 'read'], code);
  });

  it('counts the offset from the view, not the mapping: the end of a view is its end', () => {
    refuse([new Uint8Array(mapping, PAGE, 16), 16, 'read'], 'ERR_MPK_OUT_OF_RANGE');
  });

  it.each([
    ['undefined', undefined],
    ['"READ"', 'READ'],
    ['"execute"', 'execute'],
    ['a number', 1],
    ['true', true],
    ['a String object', new String('read')],
  ])('refuses %s as operation', (_, operation) => {
    refuse([mapping, 0, operation], 'ERR_MPK_INVALID_ARGUMENT');
  });
});

describe('probeAccess: outcomes without protection keys', () => {
  it("reads and writes of plain read-write memory are 'ok', and a write stays in the child", () => {
    expect(probeAccess(mapping, 10, 'read')).toEqual({ outcome: 'ok', signal: null, code: null, pkey: null, address: null });
    expect(probeAccess(mapping, 10, 'write')).toEqual({ outcome: 'ok', signal: null, code: null, pkey: null, address: null });
    expect(bytes[10]).toBe(42);
  });

  it('any view over the mapping works, unaligned ones included', () => {
    expect(probeAccess(new Uint16Array(mapping, 2 * PAGE + 6, 3), 5, 'write').outcome).toBe('ok');
    expect(probeAccess(Buffer.from(mapping, 1), 3 * PAGE - 2, 'read').outcome).toBe('ok');
  });

  it('a PROT_NONE page: the child faults with SIGSEGV, SEGV_ACCERR, at the exact byte; no key is reported', () => {
    const middle = new Uint8Array(mapping, PAGE, PAGE);
    mprotect(middle, PROT_NONE);
    try {
      for (const operation of ['read', 'write'] as const) {
        const result = probeAccess(middle, 123, operation);
        expect(result).toEqual({ outcome: 'fault', signal: 'SIGSEGV', code: SEGV_ACCERR, pkey: null, address: addressOf(middle) + 123n });
      }
      // Its neighbours are unaffected.
      expect(probeAccess(mapping, PAGE - 1, 'write').outcome).toBe('ok');
      expect(probeAccess(mapping, 2 * PAGE, 'write').outcome).toBe('ok');
    } finally {
      mprotect(middle, PROT_READ | PROT_WRITE);
    }
  });

  it('a PROT_READ page: reads work, writes fault', () => {
    const last = new Uint8Array(mapping, 2 * PAGE, PAGE);
    mprotect(last, PROT_READ);
    try {
      expect(probeAccess(last, 0, 'read').outcome).toBe('ok');
      expect(probeAccess(last, PAGE - 1, 'write')).toMatchObject({ outcome: 'fault', code: SEGV_ACCERR, address: addressOf(last) + BigInt(PAGE - 1) });
    } finally {
      mprotect(last, PROT_READ | PROT_WRITE);
    }
  });

  it('the result is frozen', () => {
    expect(Object.isFrozen(probeAccess(mapping, 0, 'read'))).toBe(true);
  });
});
