import { readFileSync } from 'node:fs';

/**
 * Where the code is running, for labelling results: a CPU emulated by QEMU's
 * software translator (TCG) enforces protection keys for real but runs tens of
 * times slower than hardware and with different relative costs, so timings
 * taken there must say so. tools/pku-guest sets MPK_IN_GUEST=1; a QEMU CPU
 * model also names itself in /proc/cpuinfo.
 */
export interface CpuOrigin {
  emulated: boolean;
  /** For people: "a QEMU guest with an emulated CPU (TCG)" or "this machine's CPU". */
  label: string;
  /** /proc/cpuinfo's model name, or null. */
  model: string | null;
}

export function cpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** The words of /proc/cpuinfo's first `flags` line. */
export function cpuinfoFlags(text = cpuinfo()): Set<string> {
  return new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? '').trim().split(/\s+/).filter(Boolean));
}

export function cpuOrigin(env: NodeJS.ProcessEnv = process.env, text = cpuinfo()): CpuOrigin {
  const model = /^model name\s*:\s*(.*)$/m.exec(text)?.[1]?.trim() || null;
  const emulated = env.MPK_IN_GUEST === '1' || /\bQEMU TCG\b/i.test(model ?? '');
  return {
    emulated,
    label: emulated ? 'a QEMU guest with an emulated CPU (TCG), not real hardware' : "this machine's CPU",
    model,
  };
}
