/**
 * Two kinds of failure, kept apart on purpose.
 *
 * An argument the kernel should never see is an `MpkError`, thrown before any
 * native call: a security library must not let a bad value reach the kernel,
 * where a rounded-up length or a wrong key silently tags memory nobody meant
 * to tag. Its `code` starts with `ERR_MPK_` and the offending values ride
 * along as properties (and in the message).
 *
 * A syscall that was made and failed is an `MpkSystemError`, shaped like
 * Node's own system errors: `code` ('ENOSPC'), `errno` (negative, as Node
 * reports it), `syscall` ('pkey_alloc'). ENOSPC from pkey_alloc is the
 * interesting one: it means both "all keys are taken" and "this CPU or kernel
 * has no protection keys".
 */
import { getSystemErrorMap, getSystemErrorName } from 'node:util';

export type MpkErrorCode =
  /** The wrong type, NaN, a fraction, or a view where an ArrayBuffer is needed. */
  | 'ERR_MPK_INVALID_ARGUMENT'
  /** A number of the right type outside what the kernel accepts (key, rights, prot bits, length). */
  | 'ERR_MPK_OUT_OF_RANGE'
  /** A target that does not start on a page boundary or does not span whole pages. */
  | 'ERR_MPK_UNALIGNED'
  /** Memory mpk-sys did not map (a plain ArrayBuffer, a pooled Buffer, a SharedArrayBuffer). */
  | 'ERR_MPK_FOREIGN_MEMORY'
  /** A mapping that munmap() already released; its ArrayBuffer is detached. */
  | 'ERR_MPK_UNMAPPED'
  /** A zero-length target: nothing to protect. */
  | 'ERR_MPK_EMPTY'
  /** No native binding on this platform; the message says why. */
  | 'ERR_MPK_UNAVAILABLE';

const MPK_ERROR = Symbol.for('mpk-sys.MpkError');
const SYSTEM_ERROR = Symbol.for('mpk-sys.MpkSystemError');

/** An argument error (or an unavailable platform), raised before any native call. */
export class MpkError extends Error {
  readonly code: MpkErrorCode;
  /** The values that were refused, also copied onto the error itself. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: MpkErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MpkError';
    this.code = code;
    this.details = Object.freeze({ ...details });
    Object.assign(this, details);
    Object.defineProperty(this, MPK_ERROR, { value: true });
  }
}

/**
 * Whether `error` is an MpkError. Checks a registered symbol rather than
 * `instanceof`, so an error from the ESM build is recognised by the CJS build
 * and the other way round.
 */
export function isMpkError(error: unknown): error is MpkError {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[MPK_ERROR] === true;
}

/** A syscall that failed, shaped like Node's system errors. */
export class MpkSystemError extends Error {
  /** The errno name, e.g. 'ENOSPC'. */
  readonly code: string;
  /** The negated errno number, as Node reports it (e.g. -28). */
  readonly errno: number;
  /** The syscall that failed, e.g. 'pkey_alloc'. */
  readonly syscall: string;
  /** The region the call was about (mprotect, pkey_mprotect, munmap, setMappingLabel). */
  declare readonly address?: bigint;
  declare readonly length?: number;
  declare readonly prot?: number;
  /** The key the call was about (pkey_free, pkey_mprotect). */
  declare readonly key?: number;
  /** pkey_alloc's arguments. */
  declare readonly flags?: number;
  declare readonly accessRights?: number;

  constructor(syscall: string, errno: number, details: Record<string, unknown> = {}, hint?: string) {
    const negative = errno > 0 ? -errno : errno;
    const code = errnoName(negative);
    const text = capitalise(getSystemErrorMap().get(negative)?.[1] ?? 'unknown error');
    super(`${syscall} failed: ${code} (${text})${hint === undefined ? '' : `: ${hint}`}`);
    this.name = 'MpkSystemError';
    Object.assign(this, details);
    this.code = code;
    this.errno = negative;
    this.syscall = syscall;
    Object.defineProperty(this, SYSTEM_ERROR, { value: true });
  }
}

/** Whether `error` is an MpkSystemError (from either build of this package). */
export function isMpkSystemError(error: unknown): error is MpkSystemError {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[SYSTEM_ERROR] === true;
}

/** libuv's texts are lower case ("no space left on device"); strerror's are not. */
function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function errnoName(negative: number): string {
  try {
    return getSystemErrorName(negative);
  } catch {
    return `Unknown system error ${negative}`;
  }
}

/**
 * A native result: returned when non-negative, thrown as an MpkSystemError
 * (-errno) otherwise.
 */
export function checkResult(syscall: string, result: number, details?: Record<string, unknown>, hint?: string): number {
  if (result < 0) throw new MpkSystemError(syscall, result, details, hint);
  return result;
}

/** Renders a value for an error message without throwing on symbols or cycles. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (value === null || typeof value !== 'object') return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const length = (value as { byteLength?: unknown }).byteLength;
  const kind = typeof name === 'string' && name !== '' ? name : Object.prototype.toString.call(value).slice(8, -1);
  return typeof length === 'number' ? `${kind} of ${length} bytes` : `a ${kind}`;
}
