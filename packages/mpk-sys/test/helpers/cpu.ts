import { readFileSync } from 'node:fs';

/** Whether this CPU has PKU and the kernel enabled it (the `pku` and `ospke` flags). */
export function hostHasPku(): boolean {
  try {
    const flags = new Set((readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
    return flags.has('pku') && flags.has('ospke');
  } catch {
    return false;
  }
}
