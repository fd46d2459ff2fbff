/**
 * What a `target` is, and when it may be handed to the kernel.
 *
 * A target is an ArrayBuffer returned by mmap(), or any view over one
 * (Uint8Array, DataView, Buffer...). Before mprotect, pkey_mprotect or a label
 * is applied, the target must be:
 *
 *  - memory mpk-sys mapped: protection and keys apply to whole pages, and
 *    every other ArrayBuffer shares its pages with unrelated data (V8's heap,
 *    malloc, Node's Buffer pool);
 *  - still mapped;
 *  - non-empty;
 *  - page-aligned at both ends: pkey_mprotect() refuses an unaligned start
 *    (EINVAL) but silently rounds the length UP to whole pages, which would
 *    change memory beyond the caller's view. So a partial last page is
 *    refused here instead of being rounded.
 *
 * addressOf() and mappingOf() only describe memory, so they accept any view
 * over a live mapping, aligned or not.
 */
import { isAnyArrayBuffer, isArrayBuffer } from 'node:util/types';
import { MpkError, show } from './errors.js';
import { mappingRecord, type MappingRecord } from './registry.js';
import { pageSize } from './system.js';

export type Target = ArrayBuffer | ArrayBufferView;

export interface ResolvedTarget {
  /** The mapping's own ArrayBuffer. */
  readonly buffer: ArrayBuffer;
  readonly record: MappingRecord;
  /** Offset of the target inside the mapping, in bytes. */
  readonly offset: number;
  /** Length of the target, in bytes. */
  readonly length: number;
}

/** The mapping behind `target`: foreign, unmapped and wrong-typed targets are refused. */
export function resolveMapping(operation: string, target: unknown): ResolvedTarget {
  let buffer: ArrayBufferLike;
  let offset: number;
  let length: number;
  if (isAnyArrayBuffer(target)) {
    buffer = target;
    offset = 0;
    length = target.byteLength;
  } else if (ArrayBuffer.isView(target)) {
    buffer = target.buffer;
    offset = target.byteOffset;
    length = target.byteLength;
  } else {
    throw new MpkError(
      'ERR_MPK_INVALID_ARGUMENT',
      `${operation}: target must be an ArrayBuffer from mmap() or a view over one, got ${show(target)}`,
      { argument: 'target', value: target },
    );
  }
  const record = isArrayBuffer(buffer) ? mappingRecord(buffer) : undefined;
  if (record === undefined || !isArrayBuffer(buffer)) {
    throw new MpkError(
      'ERR_MPK_FOREIGN_MEMORY',
      `${operation}: target is not memory mapped by mpk-sys (its memory is a ${show(buffer)} that mmap() did not return); only mappings from mmap() can be protected, since any other memory shares its pages with unrelated data`,
      { argument: 'target', value: target },
    );
  }
  if (record.unmapped) {
    throw new MpkError(
      'ERR_MPK_UNMAPPED',
      `${operation}: target's mapping at 0x${record.address.toString(16)} (${record.length} bytes) was released by munmap()`,
      { argument: 'target', address: record.address, length: record.length },
    );
  }
  return { buffer, record, offset, length };
}

/** resolveMapping(), plus the rules for memory that will be protected: non-empty, whole pages. */
export function resolveTarget(operation: string, target: unknown): ResolvedTarget {
  const resolved = resolveMapping(operation, target);
  const { record, offset, length } = resolved;
  const address = record.address + BigInt(offset);
  if (length === 0) {
    throw new MpkError('ERR_MPK_EMPTY', `${operation}: target is empty (0 bytes at offset ${offset} of its mapping)`, {
      argument: 'target',
      address,
      offset,
      length,
    });
  }
  const page = pageSize();
  if (offset % page !== 0 || length % page !== 0) {
    const what = offset % page !== 0 ? `starts at offset ${offset}, not on a page boundary` : `is ${length} bytes, not a whole number of pages`;
    throw new MpkError(
      'ERR_MPK_UNALIGNED',
      `${operation}: target ${what} (address 0x${address.toString(16)}, offset ${offset}, length ${length}, page size ${page}); the kernel would round the length up and change memory outside the target`,
      { argument: 'target', address, offset, length, pageSize: page },
    );
  }
  return resolved;
}
