/**
 * Valid arguments reach the kernel, and what it refuses comes back as a
 * Node-style system error (code, negative errno, syscall). This host's CPU has
 * no PKU, so pkey_alloc fails with ENOSPC here; on PKU hardware it succeeds.
 */
import { constants as osConstants } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { hostHasPku } from './helpers/cpu.js';
import {
  isMpkError,
  isMpkSystemError,
  MpkError,
  MpkSystemError,
  mmap,
  munmap,
  pageSize,
  pkeyAlloc,
  pkeyFree,
  pkeyMprotect,
  PROT_READ,
  PROT_WRITE,
} from '../src/index.js';
import { expectSystemError } from './helpers/errors.js';

const PKU = hostHasPku();
const mapping = mmap(pageSize());
afterAll(() => munmap(mapping));

describe('pkey_alloc', () => {
  it.runIf(!PKU)('fails with ENOSPC where the CPU has no PKU: code, errno, syscall and message', () => {
    const error = expectSystemError(() => pkeyAlloc(), 'pkey_alloc', 'ENOSPC');
    expect(error.errno).toBe(-osConstants.errno.ENOSPC);
    expect(error.message).toBe('pkey_alloc failed: ENOSPC (No space left on device)');
    expect(error).toMatchObject({ flags: 0, accessRights: 0 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(MpkSystemError);
    expect(error.name).toBe('MpkSystemError');
  });

  it.runIf(!PKU)('with valid rights the kernel is asked too (same ENOSPC)', () => {
    expectSystemError(() => pkeyAlloc(0, 3), 'pkey_alloc', 'ENOSPC');
  });

  it.runIf(PKU)('returns a key from 1 to 15 where the CPU has PKU', () => {
    const key = pkeyAlloc();
    expect(key).toBeGreaterThanOrEqual(1);
    expect(key).toBeLessThanOrEqual(15);
    pkeyFree(key);
  });
});

describe('pkey_free and pkey_mprotect with a key nobody allocated', () => {
  // Key 15 is not held by anyone in a fresh process (V8 takes key 1 at most).
  it('pkeyFree(15) fails with EINVAL', () => {
    const error = expectSystemError(() => pkeyFree(15), 'pkey_free', 'EINVAL');
    expect(error.errno).toBe(-osConstants.errno.EINVAL);
    expect(error.message).toBe('pkey_free failed: EINVAL (Invalid argument)');
    expect(error).toMatchObject({ key: 15 });
  });

  it('pkeyMprotect(..., 15) fails with EINVAL and carries the region', () => {
    const error = expectSystemError(() => pkeyMprotect(mapping, PROT_READ | PROT_WRITE, 15), 'pkey_mprotect', 'EINVAL');
    expect(error).toMatchObject({ length: pageSize(), prot: PROT_READ | PROT_WRITE, key: 15 });
    expect(typeof (error as unknown as { address: unknown }).address).toBe('bigint');
  });

  it('key -1 means "keep the key": the kernel treats it as mprotect and it succeeds', () => {
    expect(() => pkeyMprotect(mapping, PROT_READ | PROT_WRITE, -1)).not.toThrow();
  });
});

describe('the type guards', () => {
  it('tell the two kinds of error apart', () => {
    const system = new MpkSystemError('pkey_free', 22);
    const argument = new MpkError('ERR_MPK_OUT_OF_RANGE', 'no');
    expect(isMpkSystemError(system)).toBe(true);
    expect(isMpkError(system)).toBe(false);
    expect(isMpkError(argument)).toBe(true);
    expect(isMpkSystemError(argument)).toBe(false);
  });

  it('refuse look-alikes and non-errors', () => {
    const fake = Object.assign(new Error('x'), { code: 'ERR_MPK_EMPTY', errno: -22, syscall: 'pkey_free' });
    for (const value of [fake, null, undefined, 'ERR_MPK_EMPTY', { code: 'ERR_MPK_EMPTY' }]) {
      expect(isMpkError(value)).toBe(false);
      expect(isMpkSystemError(value)).toBe(false);
    }
  });

  it('an errno given positive is stored negative, as Node does', () => {
    const error = new MpkSystemError('mmap', osConstants.errno.ENOMEM);
    expect(error.errno).toBe(-osConstants.errno.ENOMEM);
    expect(error.code).toBe('ENOMEM');
    expect(error.message).toMatch(/^mmap failed: ENOMEM \(/);
  });
});
