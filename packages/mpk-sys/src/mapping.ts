/**
 * Page-aligned memory of our own: anonymous mappings as ArrayBuffers.
 *
 * Protection keys and mprotect work on whole pages, and an ArrayBuffer from
 * JavaScript lives inside pages shared with other data, so memory that is to
 * be protected has to come from a mapping this package makes and owns. mmap()
 * returns it as an external ArrayBuffer over a fresh private anonymous
 * mapping (zero-filled, read-write, key 0). munmap() releases it at once and
 * detaches the buffer, so later access sees a zero-length buffer instead of
 * unmapped memory; a mapping that is simply dropped is unmapped when its
 * ArrayBuffer is garbage collected.
 */
import { constants as bufferConstants } from 'node:buffer';
import { isArrayBuffer, isSharedArrayBuffer } from 'node:util/types';
import { native, requireNative } from './binding.js';
import { PROT_MASK } from './constants.js';
import { checkResult, MpkError, MpkSystemError, show } from './errors.js';
import { registerMapping } from './registry.js';
import { pageSize } from './system.js';
import { resolveMapping, resolveTarget, type Target } from './target.js';
import { checkBits, checkInteger } from './validate.js';

/** The whole mapping behind a target. */
export interface MappingInfo {
  /** Address of the mapping's first byte. */
  readonly address: bigint;
  /** Length of the mapping in bytes (a whole number of pages). */
  readonly length: number;
}

/**
 * The largest mapping mmap() accepts: whole pages, no more than an ArrayBuffer
 * can hold in this Node (buffer.constants.MAX_LENGTH: 4 GiB on Node 20).
 */
function maxLength(page: number): number {
  const limit = Math.min(bufferConstants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);
  return Math.floor(limit / page) * page;
}

/**
 * Maps `length` bytes, rounded up to whole pages, and returns them as an
 * ArrayBuffer whose byteLength is the rounded length. The memory is zeroed,
 * readable and writable, private to this process, and carries key 0.
 */
export function mmap(length: number): ArrayBuffer {
  const binding = requireNative('mmap');
  const page = pageSize();
  const max = maxLength(page);
  const requested = checkInteger('mmap', 'length', length, 1, max);
  const rounded = Math.ceil(requested / page) * page;
  if (rounded > max) {
    throw new MpkError(
      'ERR_MPK_OUT_OF_RANGE',
      `mmap: length ${requested} rounds up to ${rounded} bytes, more than the largest ArrayBuffer (${max} bytes)`,
      { argument: 'length', value: length, max },
    );
  }
  const result = binding.mmap(rounded);
  if (typeof result === 'number') throw new MpkSystemError('mmap', result, { length: rounded });
  registerMapping(result, { address: binding.addressOf(result), length: rounded, unmapped: false });
  return result;
}

/**
 * Unmaps a buffer returned by mmap() at once. The buffer is detached first,
 * so every view over it reads as empty from then on; later calls with it
 * throw ERR_MPK_UNMAPPED, and the garbage collector will not unmap it again.
 * Takes the ArrayBuffer itself, not a view: the whole mapping goes.
 */
export function munmap(buffer: ArrayBuffer): void {
  const binding = requireNative('munmap');
  if (!isArrayBuffer(buffer) && !isSharedArrayBuffer(buffer)) {
    const hint = ArrayBuffer.isView(buffer) ? "; pass the view's .buffer to unmap its whole mapping" : '';
    throw new MpkError(
      'ERR_MPK_INVALID_ARGUMENT',
      `munmap: buffer must be an ArrayBuffer returned by mmap(), got ${show(buffer)}${hint}`,
      { argument: 'buffer', value: buffer },
    );
  }
  const { record } = resolveMapping('munmap', buffer);
  const result = binding.munmap(buffer);
  // The buffer is detached even if munmap(2) itself failed; the finalizer
  // will try again when the backing store is released.
  record.unmapped = true;
  checkResult('munmap', result, { address: record.address, length: record.length });
}

/**
 * Changes the protection of a target's pages (PROT_NONE, or PROT_READ,
 * PROT_WRITE and PROT_EXEC combined). Keeps the pages' protection key, as
 * mprotect(2) does.
 */
export function mprotect(target: Target, prot: number): void {
  const binding = requireNative('mprotect');
  const { buffer, record, offset, length } = resolveTarget('mprotect', target);
  const bits = checkBits('mprotect', 'prot', prot, PROT_MASK, 'PROT_READ, PROT_WRITE and PROT_EXEC');
  const address = record.address + BigInt(offset);
  checkResult('mprotect', binding.mprotect(buffer, offset, length, bits), { address, length, prot: bits });
}

/**
 * The address of a target's first byte (the mapping's address plus the
 * view's byteOffset). Any view over a live mapping is accepted, aligned or not.
 */
export function addressOf(target: Target): bigint {
  requireNative('addressOf');
  const { record, offset } = resolveMapping('addressOf', target);
  return record.address + BigInt(offset);
}

/** The whole mapping a target lies in: its address and length. */
export function mappingOf(target: Target): MappingInfo {
  requireNative('mappingOf');
  const { record } = resolveMapping('mappingOf', target);
  return { address: record.address, length: record.length };
}

/** How many mappings made by mpk-sys are mapped right now, process-wide (0 without the binding). */
export function liveMappings(): number {
  return native?.liveMappings() ?? 0;
}

