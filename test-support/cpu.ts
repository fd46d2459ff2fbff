import { readFileSync } from 'node:fs';

/** The CPU's flags as the kernel reports them: the ground truth detection is checked against. */
export function cpuFlags(): Set<string> {
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  return new Set(flags.trim().split(/\s+/));
}
