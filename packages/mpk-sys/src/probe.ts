/**
 * probeAccess(): would this thread's read or write of that byte fault?
 *
 * A protection fault cannot be caught and survived, so the question is asked
 * of a forked child: it is a copy of the calling thread, with the same PKRU,
 * and of the memory, with the same protection and protection keys. The child
 * makes the single access and exits, or takes the SIGSEGV in a handler that
 * reports si_code, si_pkey and si_addr before it exits. The parent waits and
 * returns what happened. A write probe changes only the child's copy of the
 * page (the mapping is private, so the page is copy-on-write after the fork).
 *
 * A probe costs a fork and a wait: about a millisecond natively (more in a
 * big process, and far more under emulation). It is a testing and diagnostic
 * tool, not something to call on a hot path.
 */
import { constants as osConstants } from 'node:os';
import { requireNative } from './binding.js';
import { MpkError, MpkSystemError, show } from './errors.js';
import { resolveMapping, type Target } from './target.js';
import { checkInteger } from './validate.js';

export type ProbeOperation = 'read' | 'write';

export interface ProbeResult {
  /**
   * 'ok': the access completed. 'fault': it raised SIGSEGV (code, pkey and
   * address say why and where). 'error': the child ended some other way (it
   * could not set itself up, or another signal killed it): see `signal`.
   */
  readonly outcome: 'ok' | 'fault' | 'error';
  /** 'SIGSEGV' for a fault, the killing signal's name for an error, otherwise null. */
  readonly signal: NodeJS.Signals | null;
  /** si_code of the fault: SEGV_PKUERR (4) for a protection key, SEGV_ACCERR (2) for page protection, ...; null without a fault. */
  readonly code: number | null;
  /** si_pkey: the key of the page, for SEGV_PKUERR faults only; null otherwise. */
  readonly pkey: number | null;
  /** si_addr: the address whose access faulted; null without a fault. */
  readonly address: bigint | null;
}

const OPERATIONS: readonly string[] = ['read', 'write'];

function signalName(number: number): NodeJS.Signals | null {
  if (number === 0) return null;
  const entry = Object.entries(osConstants.signals).find(([, value]) => value === number);
  return (entry?.[0] as NodeJS.Signals | undefined) ?? null;
}

/**
 * Reads (`'read'`) or writes (`'write'`) the byte at `offset` of `target` in
 * a forked child of the calling thread and reports how the child ended.
 * `target` is an ArrayBuffer from mmap() or any view over one (aligned or
 * not, as for addressOf()); `offset` counts from the target's first byte and
 * must lie inside it. Fork, pipe or wait failures throw an MpkSystemError.
 */
export function probeAccess(target: Target, offset: number, operation: ProbeOperation): ProbeResult {
  const binding = requireNative('probeAccess');
  const resolved = resolveMapping('probeAccess', target);
  if (resolved.length === 0) {
    throw new MpkError('ERR_MPK_EMPTY', `probeAccess: target is empty (0 bytes at offset ${resolved.offset} of its mapping): there is no byte to probe`, {
      argument: 'target',
      address: resolved.record.address + BigInt(resolved.offset),
      offset: resolved.offset,
      length: 0,
    });
  }
  const checkedOffset = checkInteger('probeAccess', 'offset', offset, 0, resolved.length - 1);
  if (typeof operation !== 'string' || !OPERATIONS.includes(operation)) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `probeAccess: operation must be 'read' or 'write', got ${show(operation)}`, {
      argument: 'operation',
      value: operation,
    });
  }
  const address = resolved.record.address + BigInt(resolved.offset + checkedOffset);
  const result = binding.probeAccess(resolved.buffer, resolved.offset + checkedOffset, operation === 'write');
  if (typeof result === 'number') throw new MpkSystemError('probeAccess', result, { address, operation });
  if (result.faulted) {
    return Object.freeze({
      outcome: 'fault',
      signal: 'SIGSEGV',
      code: result.code,
      pkey: result.pkey < 0 ? null : result.pkey,
      address: result.address,
    });
  }
  if (result.exitCode === 0 && result.signal === 0) {
    return Object.freeze({ outcome: 'ok', signal: null, code: null, pkey: null, address: null });
  }
  return Object.freeze({ outcome: 'error', signal: signalName(result.signal), code: null, pkey: null, address: null });
}
