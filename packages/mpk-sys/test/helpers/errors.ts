import { expect } from 'vitest';
import { isMpkError, isMpkSystemError, type MpkError, type MpkSystemError } from '../../src/index.js';

/** Runs `fn`, expects an MpkError with `code`, and returns it for further checks. */
export function expectMpkError(fn: () => unknown, code: string): MpkError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a throw').toBeInstanceOf(Error);
  expect(isMpkError(thrown), `not an MpkError: ${String(thrown)}`).toBe(true);
  expect((thrown as MpkError).code, (thrown as Error).message).toBe(code);
  return thrown as MpkError;
}

/** Runs `fn`, expects an MpkSystemError for `syscall` with `code`, and returns it. */
export function expectSystemError(fn: () => unknown, syscall: string, code: string): MpkSystemError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isMpkSystemError(thrown), `not an MpkSystemError: ${String(thrown)}`).toBe(true);
  const error = thrown as MpkSystemError;
  expect(error.syscall).toBe(syscall);
  expect(error.code).toBe(code);
  return error;
}
