import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/mpk-pkru */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(PACKAGE_DIR, 'test', 'fixtures');

/** The first CPU's `flags` and `vendor_id` from /proc/cpuinfo (x86 Linux). */
export function cpuinfo(): { flags: Set<string>; vendor: string } {
  const text = readFileSync('/proc/cpuinfo', 'utf8');
  const flags = text.match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  const vendor = text.match(/^vendor_id\s*:\s*(.*)$/m)?.[1] ?? '';
  return { flags: new Set(flags.trim().split(/\s+/)), vendor: vendor.trim() };
}

export const HOST_HAS_OSPKE = (() => {
  try {
    return cpuinfo().flags.has('ospke');
  } catch {
    return false;
  }
})();

/** Run a node child; never throws, returns how it ended. */
export function runNode(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, {
    cwd: options.cwd ?? PACKAGE_DIR,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** A one-line summary of a child's ending, for assertion messages. */
export function ending(r: SpawnSyncReturns<string>): string {
  return `status=${r.status} signal=${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}
