import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Tests that need protection keys enforced by a real CPU end in `.pku.test.ts`.
 * They run where the CPU reports both `pku` (the hardware has it) and `ospke`
 * (the kernel switched it on): on such hardware, or in the QEMU guest
 * (tools/pku-guest), which sets MPK_IN_GUEST=1. Elsewhere they are left out
 * and scripts/test.sh says so: they are never counted as passed.
 */
export function cpuHasPku(): boolean {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
    const words = new Set(flags.trim().split(/\s+/));
    return words.has('pku') && words.has('ospke');
  } catch {
    return false;
  }
}

export const PKU_TESTS = 'test/**/*.pku.test.ts';

/** `MPK_TEST_LANE=pku` runs only hardware tests; `host` only the others; unset: whatever this CPU can run. */
export function testLane(): 'pku' | 'host' | 'all' {
  const lane = process.env.MPK_TEST_LANE;
  if (lane === 'pku' || lane === 'host' || lane === 'all') return lane;
  return cpuHasPku() ? 'all' : 'host';
}

/** Reporters: the console, plus a JSON file per run when scripts/test.sh asks for totals. */
export function reporting(name: string) {
  const reportDir = process.env.MPK_TEST_REPORT_DIR;
  if (!reportDir) return { reporters: ['default'] };
  return { reporters: ['default', 'json'], outputFile: { json: join(reportDir, `${testLane()}-${name}.json`) } };
}

/** A package's test config; `configUrl` is its vitest.config.ts's import.meta.url. */
export function packageTestConfig(configUrl: string) {
  const root = dirname(fileURLToPath(configUrl));
  const lane = testLane();
  const include = lane === 'pku' ? [PKU_TESTS] : ['test/**/*.test.ts'];
  const exclude = lane === 'host' ? [PKU_TESTS, '**/node_modules/**'] : ['**/node_modules/**'];
  return defineConfig({
    test: {
      name: basename(root),
      root,
      include,
      exclude,
      ...reporting(basename(root)),
      pool: 'forks',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      passWithNoTests: lane === 'pku',
    },
  });
}
