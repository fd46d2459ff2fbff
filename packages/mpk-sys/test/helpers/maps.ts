/** /proc/self/maps as numbers: the kernel's own account of what is mapped where. */
import { readFileSync } from 'node:fs';

export interface MapsEntry {
  start: bigint;
  end: bigint;
  perms: string;
  path: string;
}

export function readMaps(): MapsEntry[] {
  const entries: MapsEntry[] = [];
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) entries.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3] as string, path: m[4] ?? '' });
  }
  return entries;
}

/** The entry containing `address`, if any. */
export function entryAt(entries: MapsEntry[], address: bigint): MapsEntry | undefined {
  return entries.find((e) => e.start <= address && address < e.end);
}
