/**
 * Which half to use, decided once at load time. The enabled half (mpk-core)
 * needs Linux on x86-64 and its native addons; anywhere else, or when the
 * environment says MPK_DISABLE=1, the disabled half (mpk-disabled) stands in
 * with the same API. Picking mpk-core does not promise keys: on a CPU without
 * PKU it loads and then reports why it is unsupported (see supportStatus()).
 */
import { MpkError, show } from 'mpk-disabled';

export type ImplementationName = 'enabled' | 'disabled';

export interface Selection {
  readonly implementation: ImplementationName;
  readonly reason: string;
}

export interface SelectionInput {
  readonly platform: string;
  readonly arch: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Why mpk-core's native addons did not load, or null when they did. */
  readonly nativeLoadError: string | null;
}

export function chooseImplementation(input: SelectionInput): Selection {
  checkInput(input);
  if (input.env.MPK_DISABLE === '1') {
    return { implementation: 'disabled', reason: 'MPK_DISABLE=1 is set' };
  }
  if (input.platform !== 'linux' || input.arch !== 'x64') {
    return { implementation: 'disabled', reason: `protection keys need linux/x64; this is ${input.platform}/${input.arch}` };
  }
  if (input.nativeLoadError !== null) {
    return { implementation: 'disabled', reason: `mpk-core's native addons did not load: ${input.nativeLoadError}` };
  }
  return { implementation: 'enabled', reason: 'linux/x64 and the native addons of mpk-sys and mpk-pkru loaded' };
}

function checkInput(input: SelectionInput): void {
  const refuse = (what: string, value: unknown) => {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `chooseImplementation: ${what}, got ${show(value)}`, { argument: 'input', value });
  };
  if (typeof input !== 'object' || input === null) refuse('input must be an object', input);
  if (typeof input.env !== 'object' || input.env === null) refuse('input.env must be an object', input.env);
  if (typeof input.platform !== 'string') refuse('input.platform must be a string', input.platform);
  if (typeof input.arch !== 'string') refuse('input.arch must be a string', input.arch);
  if (input.nativeLoadError !== null && typeof input.nativeLoadError !== 'string') refuse('input.nativeLoadError must be a string or null', input.nativeLoadError);
}
