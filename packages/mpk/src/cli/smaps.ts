import { readFileSync } from 'node:fs';
import { parseSmaps } from '../faults/mappings.js';

/**
 * Which protection keys tag which mappings, for doctor's report: the entries
 * of /proc/<pid>/smaps (parsed by mappings()' parser) whose key is not 0. With
 * PKU the kernel prints a `ProtectionKey:` line for every mapping (VMA), the
 * ground truth of which pages carry which key; without PKU there are none.
 */
export interface KeyedMapping {
  key: number;
  /** "7f3a1c000000-7f3a1c001000" */
  range: string;
  /** "rwxp" */
  perms: string;
  /** The mapped file or [heap]/[stack]/..., "" for anonymous memory. */
  name: string;
}

export interface SmapsKeys {
  /** Whether the kernel printed ProtectionKey lines at all. */
  reported: boolean;
  /** Every mapping whose key is not 0. */
  mappings: KeyedMapping[];
}

export function parseSmapsKeys(text: string): SmapsKeys {
  const all = parseSmaps(text);
  const mappings: KeyedMapping[] = [];
  for (const entry of all) {
    if (entry.protectionKey === undefined || entry.protectionKey === 0) continue;
    const range = `${entry.start.toString(16)}-${entry.end.toString(16)}`;
    mappings.push({ key: entry.protectionKey, range, perms: entry.perms, name: entry.path ?? '' });
  }
  return { reported: all.some((entry) => entry.protectionKey !== undefined), mappings };
}

export function readSmapsKeys(pid: number | 'self' = 'self'): SmapsKeys {
  try {
    return parseSmapsKeys(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return { reported: false, mappings: [] };
  }
}
