/**
 * Child processes for tests whose subject is how a process dies (a fault
 * kills the child, the test asserts the signal and stderr) or how the built
 * package loads. Fixtures import the BUILT package ('mpk-sys' resolves to
 * dist/ through the package's own `exports`), so `pnpm --filter mpk-sys build`
 * must have run; turbo's test task depends on build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/mpk-sys */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(PACKAGE_DIR, 'test', 'fixtures');

export interface ChildResult {
  pid: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Node flags such as --expose-gc. */
  execArgv?: string[];
  cwd?: string;
}

function assertBuilt(): void {
  for (const file of ['dist/index.js', 'dist/index.cjs']) {
    if (!existsSync(join(PACKAGE_DIR, file))) {
      throw new Error(`${file} is missing: run \`pnpm --filter mpk-sys build\` before these tests`);
    }
  }
}

/** Runs node with `args` (a script and its arguments, or -e code) and reports how it ended. */
export function runNodeArgs(args: string[], options: RunOptions = {}): ChildResult {
  assertBuilt();
  const result = spawnSync(process.execPath, [...(options.execArgv ?? []), ...args], {
    cwd: options.cwd ?? PACKAGE_DIR,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { pid: result.pid, status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Runs test/fixtures/<name> with a JSON-encoded options argument. */
export function runFixture(name: string, options: object = {}, run: RunOptions = {}): ChildResult {
  return runNodeArgs([join(FIXTURES, name), JSON.stringify(options)], run);
}

import { ending, jsonLines } from '../../../../test-support/child.js';

export { ending, jsonLines };

/** The single JSON object a fixture printed (throws with the child's output otherwise). */
export function report<T = Record<string, unknown>>(r: ChildResult): T {
  const lines = jsonLines<T>(r);
  if (lines.length !== 1) throw new Error(`expected one JSON line from the child, got ${lines.length}\n${ending(r)}`);
  return lines[0] as T;
}

/** Lines the fault reporter wrote. */
export function reporterLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('mpk:'));
}
