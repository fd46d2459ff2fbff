import { MpkError, show } from 'mpk-disabled';
import * as sys from 'mpk-sys';

/**
 * Faults that explain themselves.
 *
 * Touching memory whose key the thread's PKRU denies raises SIGSEGV with
 * si_code SEGV_PKUERR, and Node dies with nothing but "Segmentation fault".
 * With the reporter installed, such a fault first writes one line to stderr:
 *
 *   mpk: protection key violation: address=0x7f12a0401010 key=2 pkru=0x55555578 tid=4711 region="secret"+0x10
 *
 * (the refused address; the key of its page; the faulting thread's PKRU at the
 * fault; the kernel thread id, which tells the main thread, a worker and a
 * libuv pool thread apart; and the label of the Region the address lies in,
 * with the offset into it). Then the process dies exactly as it would have:
 * by SIGSEGV, same exit status, same core dump. A fault cannot be recovered
 * from: the line is a diagnosis, not a catch.
 *
 * Every other SIGSEGV goes, unchanged, to the handler that was there before;
 * in Node that is V8's WebAssembly trap handler, so an out-of-bounds wasm
 * access still throws a catchable WebAssembly.RuntimeError.
 *
 * The handler is native (mpk-sys) and process-wide, as every signal
 * disposition is. Handles are counted: the reporter stays installed until
 * every handle that installed it has been uninstalled. The count belongs to
 * one JavaScript realm (it is kept on globalThis, shared by the ESM and CJS
 * builds); a worker thread has a count of its own, so install the reporter
 * from the main thread, once, near startup.
 */
export interface FaultReporterOptions {
  /**
   * Throw ERR_MPK_UNAVAILABLE when the native reporter cannot be installed
   * here, instead of returning a handle that does nothing. Default false.
   */
  required?: boolean;
}

export interface FaultReporter extends Disposable {
  /** Whether the native reporter exists here (Linux, mpk-sys loaded, MPK_DISABLE unset). */
  readonly available: boolean;
  /** Why it does not, when `available` is false; null otherwise. */
  readonly reason: string | null;
  /** Whether this handle holds the reporter: false once uninstalled, and always false when unavailable. */
  readonly active: boolean;
  /** Releases this handle; the last one out removes the SIGSEGV handler. Calling it again does nothing. */
  uninstall(): void;
}

interface ReporterState {
  holders: number;
}

const STATE = Symbol.for('mpk.faultReporter.v1');
const state: ReporterState = ((globalThis as { [STATE]?: ReporterState })[STATE] ??= { holders: 0 });

/** Why the reporter cannot be installed here, or null when it can. */
export function reporterUnavailableReason(): string | null {
  if (process.env.MPK_DISABLE === '1') return 'MPK_DISABLE=1 is set: mpk uses its disabled implementation and installs no signal handler';
  if (process.platform !== 'linux') return `the fault reporter needs Linux; this is ${process.platform}`;
  if (!sys.available) return `mpk-sys did not load: ${sys.unavailableReason}`;
  return null;
}

class Handle implements FaultReporter {
  readonly available: boolean;
  readonly reason: string | null;
  #active: boolean;

  constructor(reason: string | null) {
    this.available = reason === null;
    this.reason = reason;
    this.#active = reason === null;
  }

  get active(): boolean {
    return this.#active;
  }

  uninstall(): void {
    if (!this.#active) return;
    this.#active = false;
    state.holders = Math.max(0, state.holders - 1);
    if (state.holders === 0) sys.uninstallFaultReporter();
  }

  [Symbol.dispose](): void {
    this.uninstall();
  }

  toString(): string {
    return this.available ? `FaultReporter(${this.#active ? 'active' : 'uninstalled'})` : `FaultReporter(unavailable: ${this.reason})`;
  }
}

/**
 * Installs the protection-key fault reporter (see above) and returns a handle
 * whose `uninstall()` (or `using`) puts the previous SIGSEGV handling back.
 * Calling it again is cheap and safe: each call returns a new handle on the
 * same process-wide handler.
 *
 * Where the native reporter does not exist (not Linux, no mpk-sys binding,
 * MPK_DISABLE=1) the handle does nothing and says so: `available` is false and
 * `reason` explains; with `{ required: true }` that is an ERR_MPK_UNAVAILABLE
 * error instead.
 */
export function installFaultReporter(options: FaultReporterOptions = {}): FaultReporter {
  if (typeof options !== 'object' || options === null) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `options must be an object, got ${show(options)}`, { argument: 'options', value: options });
  }
  const required = options.required ?? false;
  if (typeof required !== 'boolean') {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `options.required must be a boolean, got ${show(required)}`, { argument: 'options.required', value: required });
  }
  const reason = reporterUnavailableReason();
  if (reason !== null) {
    if (required) throw new MpkError('ERR_MPK_UNAVAILABLE', `installFaultReporter: ${reason}`, { reason });
    return new Handle(reason);
  }
  // Native install is idempotent; calling it every time also repairs a count
  // left stale by someone who uninstalled through mpk-sys directly.
  sys.installFaultReporter();
  state.holders += 1;
  return new Handle(null);
}
