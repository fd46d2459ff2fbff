import { readFileSync } from 'node:fs';
import * as sys from 'mpk-sys';

/**
 * The process's mappings as the kernel sees them, with their protection keys.
 *
 * /proc/self/smaps lists every mapping (VMA) of the process: its address
 * range, permissions and backing file, and, when the CPU has PKU, a
 * `ProtectionKey:` line with the key its pages carry. That line is the ground
 * truth of which memory a key guards; this function adds the label that
 * `allocate(bytes, { label })` gave a Region, the same name a fault report
 * prints.
 *
 * Pages with a key of their own become a mapping of their own, since the
 * kernel can merge neighbouring mappings only when their protection and key
 * agree. So a protected Region shows up as its own entry, with its key and
 * label. Unprotected Regions (key 0) may be merged with neighbouring
 * anonymous memory; their label is found only when the Region starts the
 * merged mapping.
 */
export interface Mapping {
  /** Address of the first byte. */
  readonly start: bigint;
  /** Address one past the last byte. */
  readonly end: bigint;
  /** As the kernel prints them: "rw-p", "r-xp", "---p", ... (p private, s shared). */
  readonly perms: string;
  /** The mapped file, or a pseudo-name such as "[heap]" or "[stack]"; undefined for anonymous memory. */
  readonly path: string | undefined;
  /**
   * The key of the pages (0 is the default key). Undefined where the kernel
   * prints no key: a CPU or kernel without protection keys.
   */
  readonly protectionKey: number | undefined;
  /** The label of the Region starting this mapping (or containing its start), when one was given. */
  readonly label?: string;
}

/** One smaps header line: "start-end perms offset dev inode   path". */
const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+(?: +(.*))?$/;
const KEY_LINE = /^ProtectionKey:\s+(\d+)/;

interface Draft {
  start: bigint;
  end: bigint;
  perms: string;
  path: string | undefined;
  protectionKey: number | undefined;
  label?: string;
}

/** Parses the text of a smaps file (exported for tests). */
export function parseSmaps(text: string): Mapping[] {
  const entries: Draft[] = [];
  let current: Draft | undefined;
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      const path = header[4] === undefined || header[4] === '' ? undefined : header[4];
      current = { start: BigInt(`0x${header[1]}`), end: BigInt(`0x${header[2]}`), perms: header[3] as string, path, protectionKey: undefined };
      entries.push(current);
      continue;
    }
    const key = KEY_LINE.exec(line);
    if (key && current) current.protectionKey = Number(key[1]);
  }
  return entries;
}

/**
 * The process's mappings from /proc/self/smaps, in address order, each with
 * its protection key and, for memory from `allocate(bytes, { label })`, the
 * Region's label. Off Linux there is no /proc: the list is empty.
 *
 * Reading smaps makes the kernel walk every page table of the process; it
 * costs milliseconds, so this is for diagnostics, not for hot paths.
 */
export function mappings(): Mapping[] {
  if (process.platform !== 'linux') return [];
  const entries = parseSmaps(readFileSync('/proc/self/smaps', 'utf8')) as Draft[];
  if (sys.available) {
    for (const entry of entries) {
      // Regions are anonymous memory; a file mapping or [heap] is never one.
      if (entry.path !== undefined) continue;
      const found = sys.labelOf(entry.start);
      if (found !== null) entry.label = found.label;
    }
  }
  return entries;
}
