/**
 * Numbers the kernel defines, read from the C headers through the binding so
 * that nothing here is hard-coded. Where the binding is unavailable the
 * values are Linux's (asm-generic), so the exports stay numbers and code that
 * only builds flags keeps working; no call that uses them can succeed there
 * anyway.
 */
import { native } from './binding.js';

const LINUX = {
  PROT_NONE: 0,
  PROT_READ: 1,
  PROT_WRITE: 2,
  PROT_EXEC: 4,
  PKEY_DISABLE_ACCESS: 1,
  PKEY_DISABLE_WRITE: 2,
  SEGV_PKUERR: 4,
  LABEL_MAX_BYTES: 63,
  LABEL_TABLE_SLOTS: 4096,
} as const;

/** Page may not be accessed. */
export const PROT_NONE: number = native?.PROT_NONE ?? LINUX.PROT_NONE;
/** Page may be read. */
export const PROT_READ: number = native?.PROT_READ ?? LINUX.PROT_READ;
/** Page may be written. */
export const PROT_WRITE: number = native?.PROT_WRITE ?? LINUX.PROT_WRITE;
/**
 * Page may be executed. Protection keys never restrict instruction fetch on
 * x86; the kernel may even give an execute-only mapping a key of its own.
 */
export const PROT_EXEC: number = native?.PROT_EXEC ?? LINUX.PROT_EXEC;
/** pkey_alloc() rights: the calling thread may not read or write pages with the key (PKRU's AD bit). */
export const PKEY_DISABLE_ACCESS: number = native?.PKEY_DISABLE_ACCESS ?? LINUX.PKEY_DISABLE_ACCESS;
/** pkey_alloc() rights: the calling thread may read but not write pages with the key (PKRU's WD bit). */
export const PKEY_DISABLE_WRITE: number = native?.PKEY_DISABLE_WRITE ?? LINUX.PKEY_DISABLE_WRITE;
/** The si_code of a SIGSEGV caused by a protection key. */
export const SEGV_PKUERR: number = native?.SEGV_PKUERR ?? LINUX.SEGV_PKUERR;
/** Longest region label the fault reporter keeps, in UTF-8 bytes. */
export const LABEL_MAX_BYTES: number = native?.LABEL_MAX_BYTES ?? LINUX.LABEL_MAX_BYTES;
/** How many labelled ranges the fault reporter's fixed table holds. */
export const LABEL_TABLE_SLOTS: number = native?.LABEL_TABLE_SLOTS ?? LINUX.LABEL_TABLE_SLOTS;

/** Every prot bit mmap-style calls accept here. */
export const PROT_MASK: number = PROT_READ | PROT_WRITE | PROT_EXEC;
/** Every rights bit pkey_alloc() accepts on x86. */
export const RIGHTS_MASK: number = PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE;
/**
 * x86 has 16 keys, 0 to 15; key 0 is the default key of every mapping and is
 * never handed out by pkey_alloc().
 */
export const MAX_KEY = 15;
