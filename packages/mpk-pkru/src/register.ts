/**
 * The register itself: read(), write() and update().
 *
 * These are the calls a sandbox makes on every switch, so they are kept as
 * thin as JavaScript allows (issue 7's budget: an allow() at most 1.3x an
 * empty Node-API call). Whether RDPKRU/WRPKRU may run is decided once, here
 * at load: where they may not, the native functions are replaced by ones that
 * throw ERR_MPK_PKRU_UNAVAILABLE, so the hot path never tests it again (and
 * the C side refuses on its own as well, for anyone calling the addon
 * directly). Arguments are checked with `(x >>> 0) === x`, which is true
 * exactly for integers 0..0xFFFFFFFF (and -0); only when it fails does the
 * slower code run to say what was wrong.
 *
 * PKRU is per thread and shared by everything on that thread: V8 keeps key 1
 * write-disabled over its code space, and other libraries may own keys too.
 * write() replaces the whole register, which is right only when you just
 * read it and changed bits you own. update() is the safe form: it changes
 * only the bits you name, in one native call, and hands back the old value
 * for restoring.
 */
import { native, unavailableReason } from './binding.js';
import { MpkError } from './errors.js';
import { checkPkru } from './validate.js';

function unavailableError(op: string): MpkError {
  let why: string;
  if (native === null) {
    why = unavailableReason ?? 'the native binding did not load';
  } else if (!native.pku) {
    why =
      process.arch === 'x64'
        ? `PKU is missing: this CPU (${native.vendor || 'unknown vendor'}) does not report protection keys (CPUID.(EAX=7,ECX=0):ECX bit 3 is clear)`
        : `PKU is missing: PKRU exists only on x86-64 and this is ${process.arch}`;
  } else {
    why =
      'OSPKE is missing: the CPU has PKU but the operating system has not enabled it ' +
      '(CPUID.(EAX=7,ECX=0):ECX bit 4 is clear; on Linux it takes CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS=y ' +
      'and no "nopku" on the kernel command line)';
  }
  return new MpkError('ERR_MPK_PKRU_UNAVAILABLE', `Cannot ${op} PKRU: ${why}`);
}

/** Throws the precise argument error for a value that failed the fast check. */
function refuseArgument(value: unknown, name: string): never {
  checkPkru(value, name);
  // checkPkru accepts exactly what the fast check accepts, so it has thrown.
  throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `The "${name}" argument was refused`, { value });
}

const usable = native !== null && native.pku && native.ospke;

const nativeRead: () => number =
  usable && native !== null
    ? native.read
    : () => {
        throw unavailableError('read');
      };

const nativeWrite: (value: number) => void =
  usable && native !== null
    ? native.write
    : () => {
        throw unavailableError('write');
      };

const nativeUpdate: (value: number, ownedBits: number) => number =
  usable && native !== null
    ? native.update
    : () => {
        throw unavailableError('update');
      };

/**
 * RDPKRU: the calling thread's PKRU as a uint32.
 * @throws MpkError ERR_MPK_PKRU_UNAVAILABLE unless osEnabled()
 */
export function read(): number {
  return nativeRead();
}

/**
 * WRPKRU: replace the calling thread's whole PKRU with `value`. Bits of keys
 * you do not own are overwritten too, so derive `value` from read() (or use
 * update()).
 * @throws MpkError ERR_MPK_INVALID_ARGUMENT / ERR_MPK_OUT_OF_RANGE for anything but an integer 0..0xFFFFFFFF
 * @throws MpkError ERR_MPK_PKRU_UNAVAILABLE unless osEnabled()
 */
export function write(value: number): void {
  if (typeof value !== 'number' || value >>> 0 !== value) refuseArgument(value, 'value');
  nativeWrite(value);
}

/**
 * Change only the PKRU bits in `ownedBits`, taking them from `value`, in one
 * native call: `old = RDPKRU; WRPKRU((old & ~ownedBits) | (value & ownedBits))`.
 * Returns `old`, so `update(old, ownedBits)` restores exactly what was there.
 * Build `ownedBits` from keyBits() of the keys you allocated.
 * @throws MpkError ERR_MPK_INVALID_ARGUMENT / ERR_MPK_OUT_OF_RANGE for anything but integers 0..0xFFFFFFFF
 * @throws MpkError ERR_MPK_PKRU_UNAVAILABLE unless osEnabled()
 */
export function update(value: number, ownedBits: number): number {
  if (typeof value !== 'number' || value >>> 0 !== value) refuseArgument(value, 'value');
  if (typeof ownedBits !== 'number' || ownedBits >>> 0 !== ownedBits) refuseArgument(ownedBits, 'ownedBits');
  // The addon returns the old value as an int32 (no heap number); make it the uint32 it is.
  return nativeUpdate(value, ownedBits) >>> 0;
}

/**
 * An empty Node-API call into this addon: the floor that benchmarks compare
 * a PKRU switch against. Works whenever the binding loaded, PKU or not.
 * @throws MpkError ERR_MPK_PKRU_UNAVAILABLE when the binding did not load
 */
export const noop: () => void =
  native !== null
    ? native.noop
    : () => {
        throw new MpkError('ERR_MPK_PKRU_UNAVAILABLE', `Cannot call noop: ${unavailableReason ?? 'the native binding did not load'}`);
      };
