import { constants as bufferConstants } from 'node:buffer';
import { MpkError, show } from './errors.js';
import { checkInteger, checkOptionalLabel } from './validate.js';

/** Memory a key can be applied to: a Region's buffer, or a view into one. */
export type RegionTarget = ArrayBuffer | ArrayBufferView;

/**
 * Where a Region's pages come from. The enabled implementation maps them with
 * mmap, because a key is applied per page and memory from JavaScript's own heap
 * is neither page-aligned nor ours to tag; the disabled one uses ordinary
 * ArrayBuffers so code paths run unchanged where keys do not exist.
 */
export interface MemoryBackend {
  readonly pageSize: number;
  /** A fresh read-write buffer of exactly `length` bytes, a whole number of pages. */
  map(length: number): ArrayBuffer;
  /** Releases the buffer at once; it is detached afterwards. */
  unmap(buffer: ArrayBuffer): void;
  /** Records a label for fault reports and mapping listings. */
  label(buffer: ArrayBuffer, label: string): void;
}

export interface AllocateOptions {
  /** A name that fault reports and `mappings()` show for this memory. */
  label?: string;
}

const regionsByBuffer = new WeakMap<ArrayBuffer, Region>();

/**
 * Page-aligned memory owned by this library, rounded up to whole pages so a
 * key applied to it covers exactly what the caller can see. `free()` releases it
 * at once (the buffer is detached, so later use fails cleanly instead of
 * touching unmapped memory); a Region that is never freed is released when its
 * buffer is garbage collected.
 */
export class Region implements Disposable {
  readonly buffer: ArrayBuffer;
  readonly byteLength: number;
  readonly label: string | undefined;
  #backend: MemoryBackend;
  #freed = false;

  /** @internal Use `allocate()`. */
  constructor(backend: MemoryBackend, buffer: ArrayBuffer, label: string | undefined) {
    this.#backend = backend;
    this.buffer = buffer;
    this.byteLength = buffer.byteLength;
    this.label = label;
    regionsByBuffer.set(buffer, this);
  }

  get freed(): boolean {
    return this.#freed;
  }

  /** Releases the memory now. Freeing twice is harmless. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#backend.unmap(this.buffer);
  }

  [Symbol.dispose](): void {
    this.free();
  }
}

/** Builds `allocate()` over a backend: checks, rounds up to pages, labels. */
export function createAllocate(backend: MemoryBackend) {
  return function allocate(bytes: number, options: AllocateOptions = {}): Region {
    const page = backend.pageSize;
    // The largest ArrayBuffer this Node can make (4 GiB on Node 20), rounded
    // down to pages: asking for more is refused here instead of failing in
    // the allocator (or, for plain memory, getting the process OOM-killed).
    checkInteger('bytes', bytes, 1, Math.floor(bufferConstants.MAX_LENGTH / page) * page);
    if (typeof options !== 'object' || options === null) {
      throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `options must be an object, got ${show(options)}`, { argument: 'options', value: options });
    }
    const label = checkOptionalLabel(options.label);
    const length = Math.ceil(bytes / page) * page;
    const buffer = backend.map(length);
    if (label !== undefined) backend.label(buffer, label);
    return new Region(backend, buffer, label);
  };
}

/** The Region a target belongs to, if it is one of ours. */
export function regionOf(target: unknown): Region | undefined {
  if (target instanceof Region) return target;
  if (target instanceof ArrayBuffer) return regionsByBuffer.get(target);
  if (ArrayBuffer.isView(target) && target.buffer instanceof ArrayBuffer) return regionsByBuffer.get(target.buffer);
  return undefined;
}

/**
 * What to hand to the kernel for `target`: the Region's whole buffer, or the
 * caller's view into it. A freed Region is an error here rather than later.
 */
export function targetOf(target: Region | RegionTarget): RegionTarget {
  if (target instanceof Region) {
    if (target.freed) {
      throw new MpkError('ERR_MPK_REGION_FREED', `the region${target.label ? ` "${target.label}"` : ''} was freed`, { label: target.label });
    }
    return target.buffer;
  }
  if (target instanceof ArrayBuffer || ArrayBuffer.isView(target)) {
    const owner = regionOf(target);
    if (owner?.freed) {
      throw new MpkError('ERR_MPK_REGION_FREED', `the region${owner.label ? ` "${owner.label}"` : ''} was freed`, { label: owner.label });
    }
    return target;
  }
  throw new MpkError('ERR_MPK_NOT_A_REGION', `expected a Region or a view into one, got ${show(target)}`, { argument: 'region', value: target });
}
