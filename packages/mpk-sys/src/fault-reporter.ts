/**
 * The native building blocks of the fault reporter (the public
 * installFaultReporter() with options lives in the `mpk` package).
 *
 * A protection-key violation arrives as SIGSEGV with si_code SEGV_PKUERR.
 * The reporter is a SIGSEGV handler (SA_SIGINFO | SA_ONSTACK) that, for such
 * a fault only, writes one line to stderr with async-signal-safe calls:
 *
 *   mpk: protection key violation: address=0x7f12a0401008 key=2 pkru=0x5555555c tid=4711 region="heap"+0x8
 *
 * then restores the previous SIGSEGV disposition and returns, so the access
 * faults again and the process dies exactly as it would have without the
 * reporter (same signal, same exit status, same core dump). Every other
 * SIGSEGV is passed unchanged to the handler installed before, which in Node
 * is the one that turns an out-of-bounds WebAssembly access into a
 * RuntimeError. `pkru` is the interrupted thread's register, read from the
 * signal frame (a handler itself runs with the kernel's default PKRU), and
 * "unknown" off x86-64. `region` comes from setMappingLabel().
 *
 * The handler is process-wide, like every signal disposition.
 */
import { native, requireNative } from './binding.js';
import { LABEL_TABLE_SLOTS } from './constants.js';
import { checkResult, MpkError, show } from './errors.js';
import { encodeLabel } from './label.js';
import { resolveTarget, type Target } from './target.js';

/** Installs the SIGSEGV handler; calling it again while installed does nothing. */
export function installFaultReporter(): void {
  checkResult('sigaction', requireNative('installFaultReporter').installFaultReporter());
}

/**
 * Puts back the SIGSEGV disposition that was in place before
 * installFaultReporter(). If another handler was installed on top of ours in
 * the meantime, that one is left alone and ours only stops reporting (it may
 * still be chained to, and then forwards everything). Does nothing when not
 * installed or without the binding.
 */
export function uninstallFaultReporter(): void {
  if (native === null) return;
  checkResult('sigaction', native.uninstallFaultReporter());
}

/** Whether the reporter is installed and reporting. */
export function faultReporterInstalled(): boolean {
  return native?.faultReporterInstalled() ?? false;
}

/**
 * Names a target's pages for the fault reporter: a violation inside them is
 * reported as region="label"+0xOFFSET, the offset counted from the target's
 * start. `null` removes the label of exactly this target. Labels live in a
 * fixed native table (LABEL_TABLE_SLOTS ranges, LABEL_MAX_BYTES bytes each,
 * longer labels are cut) that the signal handler reads without locks; they
 * are dropped when the mapping is unmapped or collected. The target follows
 * the same rules as mprotect (an mpk-sys mapping, whole pages). A full table
 * throws an MpkSystemError with code ENOSPC.
 */
export function setMappingLabel(target: Target, label: string | null): void {
  const binding = requireNative('setMappingLabel');
  const { buffer, record, offset, length } = resolveTarget('setMappingLabel', target);
  if (label !== null && typeof label !== 'string') {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `setMappingLabel: label must be a string or null, got ${show(label)}`, {
      argument: 'label',
      value: label,
    });
  }
  const stored = label === null ? null : encodeLabel(label);
  checkResult(
    'setMappingLabel',
    binding.setMappingLabel(buffer, offset, length, stored),
    { address: record.address + BigInt(offset), length, label },
    `the fault reporter's label table holds ${LABEL_TABLE_SLOTS} ranges; remove labels with setMappingLabel(target, null) or unmap labelled memory`,
  );
}
