import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Experiments that may die of a protection fault run in a child process: the
 * fault kills the child, and the parent reads how it died (the signal, the
 * fault reporter's line on stderr) instead of dying itself. The child is this
 * same CLI started with a hidden command (`mpk __child <kind> ...`), so it
 * loads exactly the code the parent did.
 */
export const CHILD_COMMAND = '__child';

export interface ChildRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every stdout line that parsed as a JSON object, in order. */
  messages: Record<string, unknown>[];
  /** Set when the child could not be started or timed out. */
  error: string | null;
}

/** The file this CLI runs from (dist/cli.js once built). */
export function cliFile(): string {
  return fileURLToPath(import.meta.url);
}

/** Starts `node <this cli> __child <args>` and waits for it to end, however it ends. */
export function runChild(args: readonly string[], timeoutMs = 180_000): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliFile(), CHILD_COMMAND, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Flags meant for the parent (--inspect, --require hooks) must not change what the child measures.
      env: { ...process.env, NODE_OPTIONS: undefined },
    });
    let stdout = '';
    let stderr = '';
    let error: string | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      error = `timed out after ${timeoutMs / 1000} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => (error = `could not start: ${err.message}`));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, messages: jsonLines(stdout), error });
    });
  });
}

function jsonLines(text: string): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      messages.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not ours; a line cut short by the fault is simply missing.
    }
  }
  return messages;
}

/**
 * Child side: one JSON object per line on stdout, written synchronously so
 * that it is out before a fault that follows can kill the process.
 */
export function emit(message: Record<string, unknown>): void {
  writeSync(1, `${JSON.stringify(message)}\n`);
}

/** The last message with `stage === stage`, or undefined. */
export function stage<T extends Record<string, unknown>>(run: ChildRun, name: string): T | undefined {
  return run.messages.filter((message) => message.stage === name).at(-1) as T | undefined;
}

/** How a child ended, in a few words: "exit 0", "SIGSEGV", "timed out after 180 s". */
export function howItEnded(run: ChildRun): string {
  if (run.error !== null) return run.error;
  if (run.signal !== null) return run.signal;
  return `exit ${run.status}`;
}

/** The last few lines of a child's stderr, for error messages. */
export function stderrTail(run: ChildRun, lines = 3): string {
  return run.stderr.trim().split('\n').slice(-lines).join(' | ');
}
