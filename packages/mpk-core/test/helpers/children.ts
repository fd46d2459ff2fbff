import type { ChildResult } from '../../../../test-support/child.js';

/** How a child ended, for assertion messages. */
export function ending(r: ChildResult): string {
  return `status=${r.status} signal=${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Every stdout line of the child that parses as a JSON object, in order. */
export function jsonLines<T = Record<string, unknown>>(r: ChildResult): T[] {
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
