import { MpkError, show } from './errors.js';

/** A whole number in [min, max]; anything else is a typed error naming `name`. */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `${name} must be an integer, got ${show(value)}`, { argument: name, value });
  }
  if (value < min || value > max) {
    throw new MpkError('ERR_MPK_OUT_OF_RANGE', `${name} must be between ${min} and ${max}, got ${value}`, { argument: name, value, min, max });
  }
  return value;
}

export function checkFunction(name: string, value: unknown): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `${name} must be a function, got ${show(value)}`, { argument: name, value });
  }
}

export function checkOptionalLabel(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `label must be a string, got ${show(value)}`, { argument: 'label', value });
  }
  return value;
}

/** At most 15 keys exist for anyone (key 0 is the default); asking for more just caps. */
export const MAX_KEYS = 15;

/** `keys(max)`: a non-negative integer; larger than 15 is allowed and caps at 15. */
export function checkKeyCount(max: unknown): number {
  return Math.min(checkInteger('max', max, 0, Number.MAX_SAFE_INTEGER), MAX_KEYS);
}
