/**
 * Number checks shared by every entry point. They run before any native call:
 * the C binding converts whatever it is given to a C integer, so a fraction,
 * NaN or a value outside the kernel's range must never get that far.
 */
import { MpkError, show } from './errors.js';

/** A whole number in [min, max]; the wrong type is INVALID_ARGUMENT, the wrong size OUT_OF_RANGE. */
export function checkInteger(operation: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `${operation}: ${name} must be an integer, got ${show(value)}`, {
      argument: name,
      value,
    });
  }
  if (value < min || value > max) {
    throw new MpkError(
      'ERR_MPK_OUT_OF_RANGE',
      `${operation}: ${name} must be an integer from ${min} to ${max}, got ${show(value)}`,
      { argument: name, value, min, max },
    );
  }
  return value;
}

/** An integer whose set bits are all within `allowed`, e.g. PROT_READ | PROT_WRITE | PROT_EXEC. */
export function checkBits(operation: string, name: string, value: unknown, allowed: number, names: string): number {
  const bits = checkInteger(operation, name, value, 0, 0x7fffffff);
  if ((bits & ~allowed) !== 0) {
    throw new MpkError(
      'ERR_MPK_OUT_OF_RANGE',
      `${operation}: ${name} must combine only ${names} (0x${allowed.toString(16)}), got 0x${bits.toString(16)}`,
      { argument: name, value, allowed },
    );
  }
  return bits;
}
