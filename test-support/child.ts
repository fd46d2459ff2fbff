import { spawnSync } from 'node:child_process';

/**
 * Runs JavaScript in a fresh Node process and reports how it ended. Tests that
 * commit protection faults run them here: the fault kills the child, and the
 * test asserts how it died (signal, stderr) instead of dying itself.
 */
export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Node flags such as --expose-gc. */
  execArgv?: string[];
  /** 'module' runs the code as ESM, 'commonjs' as CJS. */
  type?: 'module' | 'commonjs';
  timeoutMs?: number;
}

export function runNode(code: string, options: ChildOptions = {}): ChildResult {
  const args = [...(options.execArgv ?? []), `--input-type=${options.type ?? 'module'}`, '-e', code];
  const result = spawnSync(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The child's last stdout line parsed as JSON: fixtures print their findings that way. */
export function lastJson<T = unknown>(result: ChildResult): T {
  const lines = result.stdout.trim().split('\n');
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`child printed nothing; status ${result.status}, signal ${result.signal}, stderr:\n${result.stderr}`);
  return JSON.parse(last) as T;
}

/** How a child ended, for assertion messages. */
export function ending(r: Pick<ChildResult, 'status' | 'signal' | 'stdout' | 'stderr'>): string {
  return `status=${r.status} signal=${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Every stdout line of the child that parses as a JSON object, in order. */
export function jsonLines<T = Record<string, unknown>>(r: Pick<ChildResult, 'stdout'>): T[] {
  const found: T[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      found.push(JSON.parse(line) as T);
    } catch {
      // not one of ours
    }
  }
  return found;
}
