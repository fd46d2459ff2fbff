import { readFileSync } from 'node:fs';

/**
 * Which protection keys tag which mappings, from /proc/<pid>/smaps: with PKU
 * the kernel prints a `ProtectionKey:` line for every mapping (VMA), and that
 * is the ground truth of which pages carry which key. Without PKU there are no
 * such lines at all.
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
  const mappings: KeyedMapping[] = [];
  let reported = false;
  let current: Omit<KeyedMapping, 'key'> | null = null;
  for (const line of text.split('\n')) {
    const header = /^([0-9a-f]+-[0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      current = { range: header[1] as string, perms: header[2] as string, name: (header[3] ?? '').trim() };
      continue;
    }
    const key = /^ProtectionKey:\s+(\d+)/.exec(line);
    if (key) {
      reported = true;
      if (current && key[1] !== '0') mappings.push({ key: Number(key[1]), ...current });
    }
  }
  return { reported, mappings };
}

export function readSmapsKeys(pid: number | 'self' = 'self'): SmapsKeys {
  try {
    return parseSmapsKeys(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return { reported: false, mappings: [] };
  }
}
