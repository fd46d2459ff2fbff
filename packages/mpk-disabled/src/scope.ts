import { MpkError } from './errors.js';
import { checkMask, ProtectionMask } from './mask.js';
import { checkFunction } from './validate.js';

/**
 * The register a scope switches. `swap` applies a mask to the library's own
 * keys and returns the whole previous PKRU; `restore` puts the library's bits of
 * that previous value back, leaving every other key's bits as they are now.
 */
export interface MaskRegister {
  swap(mask: ProtectionMask): number;
  restore(previous: number): void;
}

/** A scope entered with `enter()`; disposing it restores the previous access. */
export interface MaskScope extends Disposable {
  /** The PKRU value in force before the scope was entered. */
  readonly previous: ProtectionMask;
}

const ASYNC_KINDS = new Set(['[object AsyncFunction]', '[object AsyncGeneratorFunction]', '[object GeneratorFunction]']);

/**
 * PKRU belongs to a thread, not to an async context: a mask left in place
 * across an `await` would apply to whatever else the event loop runs meanwhile,
 * and a generator's body runs later, outside the scope. So scoped access takes
 * plain synchronous functions only, and a function that still hands back a
 * promise is reported after its synchronous part, with the mask already undone.
 */
function refuseAsync(fn: (...args: never[]) => unknown): void {
  const kind = Object.prototype.toString.call(fn);
  if (ASYNC_KINDS.has(kind)) {
    throw new MpkError(
      'ERR_MPK_ASYNC_SCOPE',
      `withMask() needs a synchronous function: PKRU is per thread, so a mask cannot follow an ${kind.slice(8, -1)} across awaits or yields`,
      { kind: kind.slice(8, -1) },
    );
  }
}

function isThenable(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Builds `withMask()` and `enter()` over a register. */
export function createScopes(register: MaskRegister) {
  function withMask<T>(mask: ProtectionMask, fn: () => T): T {
    checkMask(mask);
    checkFunction('fn', fn);
    refuseAsync(fn);
    const previous = register.swap(mask);
    let result: T;
    try {
      result = fn();
    } finally {
      register.restore(previous);
    }
    if (isThenable(result)) {
      throw new MpkError(
        'ERR_MPK_ASYNC_SCOPE',
        'withMask() callback returned a promise: the mask was undone when it returned, so the awaited part ran without it',
        { kind: 'Promise' },
      );
    }
    return result;
  }

  function enter(mask: ProtectionMask): MaskScope {
    checkMask(mask);
    const previous = register.swap(mask);
    let open = true;
    return {
      previous: ProtectionMask.fromValue(previous),
      [Symbol.dispose]() {
        if (!open) return;
        open = false;
        register.restore(previous);
      },
    };
  }

  return { withMask, enter };
}
