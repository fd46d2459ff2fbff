import { readFileSync } from 'node:fs';

/** One mapping of /proc/<pid>/smaps with the key the kernel reports for it. */
export interface SmapsEntry {
  start: bigint;
  end: bigint;
  perms: string;
  protectionKey: number | undefined;
}

/**
 * The kernel prints `ProtectionKey:` for every VMA when the CPU has PKU; it is
 * the ground truth of which pages carry which key.
 */
export function readSmaps(pid: number | 'self' = 'self'): SmapsEntry[] {
  const entries: SmapsEntry[] = [];
  let current: SmapsEntry | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) (\S+)/.exec(line);
    if (range) {
      current = { start: BigInt(`0x${range[1]}`), end: BigInt(`0x${range[2]}`), perms: range[3] as string, protectionKey: undefined };
      entries.push(current);
      continue;
    }
    const key = /^ProtectionKey:\s+(\d+)/.exec(line);
    if (key && current) current.protectionKey = Number(key[1]);
  }
  return entries;
}

/** The entries overlapping [start, start + length). */
export function entriesIn(entries: SmapsEntry[], start: bigint, length: number): SmapsEntry[] {
  const end = start + BigInt(length);
  return entries.filter((entry) => entry.start < end && entry.end > start);
}
