/**
 * Every error this package throws on purpose is an `MpkError` whose `code`
 * starts with `ERR_MPK_`, so callers can branch on the code instead of
 * parsing messages. Argument errors carry the offending value in `value`.
 */

export type MpkErrorCode =
  /** Not a number, NaN, not an integer, or the wrong type altogether. */
  | 'ERR_MPK_INVALID_ARGUMENT'
  /** An integer, but outside what a PKRU value, a key or a rights value can be. */
  | 'ERR_MPK_OUT_OF_RANGE'
  /** RDPKRU/WRPKRU cannot run here: no PKU, no OSPKE, or no native binding. */
  | 'ERR_MPK_PKRU_UNAVAILABLE';

export class MpkError extends Error {
  readonly code: MpkErrorCode;
  /** The argument that was refused, for argument errors. */
  readonly value?: unknown;

  constructor(code: MpkErrorCode, message: string, options?: { value?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MpkError';
    this.code = code;
    if (options && 'value' in options) this.value = options.value;
  }
}

/** How a refused value looks in a message: numbers in decimal and hex, others typed. */
export function show(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? `${value} (0x${value.toString(16).toUpperCase()})` : String(value);
  }
  if (typeof value === 'string') return `"${value}" (a string)`;
  if (typeof value === 'bigint') return `${value}n (a bigint)`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return `a value of type ${typeof value}`;
}
