/**
 * Region labels: what setMappingLabel stores (escaped, cut to the table's
 * byte limit at a character boundary) and the native table's bookkeeping
 * (one slot per labelled range, freed by null, munmap, or collection; a
 * clear ENOSPC error when all slots are taken).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { native } from '../src/binding.js';
import { encodeLabel } from '../src/label.js';
import {
  addressOf,
  LABEL_MAX_BYTES,
  LABEL_TABLE_SLOTS,
  labelOf,
  mmap,
  munmap,
  pageSize,
  setMappingLabel,
} from '../src/index.js';
import { expectMpkError, expectSystemError } from './helpers/errors.js';

const PAGE = pageSize();
const used = () => native!.labelCount();

describe('encodeLabel', () => {
  it('keeps ordinary text, including non-ASCII', () => {
    expect(encodeLabel('wasm heap 3')).toBe('wasm heap 3');
    expect(encodeLabel('tas über 日本')).toBe('tas über 日本');
  });

  it('escapes what would break the line: quotes, backslashes, control characters, line separators', () => {
    expect(encodeLabel('a"b\\c')).toBe('a\\"b\\\\c');
    expect(encodeLabel('x\ny\rz\t\x00\x7f\x85')).toBe('x\\x0ay\\x0dz\\x09\\x00\\x7f\\x85');
    expect(encodeLabel('p\u2028q\u2029')).toBe('p\\u2028q\\u2029');
  });

  it(`cuts at ${LABEL_MAX_BYTES} UTF-8 bytes, at a character boundary and never inside an escape`, () => {
    expect(LABEL_MAX_BYTES).toBe(63);
    expect(encodeLabel('a'.repeat(100))).toBe('a'.repeat(63));
    const euros = encodeLabel('€'.repeat(30)); // 3 bytes each: 21 fit
    expect(euros).toBe('€'.repeat(21));
    const cut = encodeLabel(`${'a'.repeat(61)}\n`); // the 4-byte escape does not fit
    expect(cut).toBe('a'.repeat(61));
    for (const label of [euros, cut, encodeLabel('😀'.repeat(40))]) {
      expect(Buffer.byteLength(label)).toBeLessThanOrEqual(LABEL_MAX_BYTES);
    }
  });
});

describe('the native label table', () => {
  const buffers: ArrayBuffer[] = [];
  afterEach(() => {
    for (const buffer of buffers.splice(0)) if (buffer.byteLength > 0) munmap(buffer);
  });

  it('one slot per labelled range; relabelling the same range reuses it; null frees it', () => {
    const start = used();
    const buffer = mmap(2 * PAGE);
    buffers.push(buffer);
    setMappingLabel(buffer, 'whole');
    expect(used()).toBe(start + 1);
    setMappingLabel(buffer, 'renamed');
    expect(used()).toBe(start + 1);
    setMappingLabel(new Uint8Array(buffer, PAGE, PAGE), 'second page');
    expect(used()).toBe(start + 2);
    setMappingLabel(buffer, null);
    expect(used()).toBe(start + 1);
    setMappingLabel(buffer, null); // nothing left for that range: no change, no error
    expect(used()).toBe(start + 1);
  });

  it('munmap drops every label inside the mapping', () => {
    const start = used();
    const buffer = mmap(3 * PAGE);
    setMappingLabel(buffer, 'all');
    setMappingLabel(new Uint8Array(buffer, 0, PAGE), 'first');
    setMappingLabel(new Uint8Array(buffer, 2 * PAGE, PAGE), 'last');
    expect(used()).toBe(start + 3);
    munmap(buffer);
    expect(used()).toBe(start);
  });

  it(`holds ${LABEL_TABLE_SLOTS} ranges; one more is ENOSPC from setMappingLabel, with a hint`, () => {
    const start = used();
    const free = LABEL_TABLE_SLOTS - start;
    const buffer = mmap((free + 1) * PAGE);
    buffers.push(buffer);
    for (let i = 0; i < free; i++) setMappingLabel(new Uint8Array(buffer, i * PAGE, PAGE), `page ${i}`);
    expect(used()).toBe(LABEL_TABLE_SLOTS);
    const error = expectSystemError(
      () => setMappingLabel(new Uint8Array(buffer, free * PAGE, PAGE), 'one too many'),
      'setMappingLabel',
      'ENOSPC',
    );
    expect(error.message).toMatch(/label table holds 4096 ranges/);
    // Replacing an existing label still works when full.
    setMappingLabel(new Uint8Array(buffer, 0, PAGE), 'page 0 renamed');
    munmap(buffer);
    expect(used()).toBe(start);
  });
});

describe('labelOf', () => {
  it('finds the smallest labelled range containing an address, as the fault reporter would', () => {
    const buffer = mmap(3 * PAGE);
    const base = addressOf(buffer);
    expect(labelOf(base)).toBeNull();
    setMappingLabel(buffer, 'all "three"');
    setMappingLabel(new Uint8Array(buffer, PAGE, PAGE), 'middle');
    expect(labelOf(base + 5n)).toEqual({ label: 'all \\"three\\"', start: base });
    expect(labelOf(base + BigInt(PAGE) + 7n)).toEqual({ label: 'middle', start: base + BigInt(PAGE) });
    expect(labelOf(base + BigInt(3 * PAGE))).toBeNull(); // one past the end
    munmap(buffer);
    expect(labelOf(base + 5n)).toBeNull();
  });

  it('refuses what is not an address', () => {
    expectMpkError(() => labelOf(5 as unknown as bigint), 'ERR_MPK_INVALID_ARGUMENT');
    expectMpkError(() => labelOf(-1n), 'ERR_MPK_OUT_OF_RANGE');
    expectMpkError(() => labelOf(2n ** 64n), 'ERR_MPK_OUT_OF_RANGE');
    expect(labelOf(0n)).toBeNull();
    expect(labelOf(2n ** 64n - 1n)).toBeNull();
  });
});
