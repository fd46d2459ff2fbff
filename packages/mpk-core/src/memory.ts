import * as sys from 'mpk-sys';
import type { MemoryBackend } from 'mpk-disabled';

/**
 * Regions come from mmap through mpk-sys: whole pages of anonymous memory that
 * no one else shares a page with, which is what a key (a per-page attribute)
 * needs. Labels go to mpk-sys's native table so the fault reporter can name the
 * region a violation hit.
 */
export const mappedMemory: MemoryBackend = {
  pageSize: sys.available ? sys.pageSize() : 4096,
  map: (length) => sys.mmap(length),
  unmap: (buffer) => sys.munmap(buffer),
  label: (buffer, label) => sys.setMappingLabel(buffer, label),
};
