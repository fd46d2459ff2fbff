/**
 * Every mistake a caller can make is reported as an `MpkError` before any
 * native call happens: a security library must not let a bad argument reach the
 * kernel, where a rounded-up length or a wrong key tags memory nobody asked to
 * tag. The `code` is stable (it starts with `ERR_MPK_`) and the values that were
 * wrong ride along as properties, so a caller can branch on the code and a
 * person can read the message.
 */
export type MpkErrorCode =
  | 'ERR_MPK_INVALID_ARGUMENT'
  | 'ERR_MPK_OUT_OF_RANGE'
  | 'ERR_MPK_ASYNC_SCOPE'
  | 'ERR_MPK_REGION_FREED'
  | 'ERR_MPK_NOT_A_REGION'
  | 'ERR_MPK_UNSUPPORTED'
  | `ERR_MPK_${string}`;

export class MpkError extends Error {
  readonly code: MpkErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: MpkErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MpkError';
    this.code = code;
    this.details = Object.freeze({ ...details });
    Object.assign(this, details);
  }
}

export function isMpkError(error: unknown): error is MpkError {
  const code: unknown = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_MPK_');
}

/** Renders a value for an error message without throwing on symbols or cycles. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}
