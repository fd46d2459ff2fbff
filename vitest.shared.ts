import { readFileSync } from 'node:fs';
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
export function packageTestConfig() {
  const lane = process.env.MPK_TEST_LANE ?? (cpuHasPku() ? 'all' : 'host');
  const include = lane === 'pku' ? [PKU_TESTS] : ['test/**/*.test.ts'];
  const exclude = lane === 'host' ? [PKU_TESTS, '**/node_modules/**'] : ['**/node_modules/**'];
  return defineConfig({
    test: {
      include,
      exclude,
      pool: 'forks',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      passWithNoTests: lane === 'pku',
    },
  });
}
