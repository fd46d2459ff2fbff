/**
 * Which ArrayBuffers are mpk-sys mappings.
 *
 * A WeakMap keyed by the ArrayBuffer: an entry lives exactly as long as its
 * buffer, and a buffer that is not a key is foreign memory. The map is kept
 * on globalThis under a registered symbol so that the ESM and the CJS build
 * of this package, when both are loaded in one process, recognise each
 * other's mappings. Nothing is trusted from it for memory safety: the native
 * side re-checks its own type tag on every call.
 */
export interface MappingRecord {
  /** Address of the first byte of the mapping. */
  readonly address: bigint;
  /** Length in bytes; a whole number of pages. */
  readonly length: number;
  /** Set by munmap(); the buffer is detached from then on. */
  unmapped: boolean;
}

const KEY = Symbol.for('mpk-sys.mappings.v1');

function registry(): WeakMap<ArrayBuffer, MappingRecord> {
  const holder = globalThis as unknown as Record<symbol, WeakMap<ArrayBuffer, MappingRecord> | undefined>;
  let map = holder[KEY];
  if (map === undefined) {
    map = new WeakMap();
    Object.defineProperty(globalThis, KEY, { value: map });
  }
  return map;
}

export function registerMapping(buffer: ArrayBuffer, record: MappingRecord): void {
  registry().set(buffer, record);
}

export function mappingRecord(buffer: ArrayBuffer): MappingRecord | undefined {
  const record = registry().get(buffer);
  // Our mappings are never empty, so a zero byteLength means the buffer was
  // detached, by munmap() or by anything else that can detach a buffer.
  if (record !== undefined && !record.unmapped && buffer.byteLength === 0) record.unmapped = true;
  return record;
}
