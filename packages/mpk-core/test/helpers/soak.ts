/**
 * The leak soak's loops and measurements (issue 9), shared by the host soak
 * (soak.test.ts) and the shorter one in the PKU guest (soak.pku.test.ts).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as sys from 'mpk-sys';
import { allocate } from '../../src/index.js';

/** global.gc without starting node with --expose-gc: the flag is set now and gc taken from a fresh context. */
export function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface Snapshot {
  rssMiB: number;
  maps: number;
  live: number;
}

export function mapsLines(): number {
  const text = readFileSync('/proc/self/maps', 'utf8');
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

export function snapshot(): Snapshot {
  return { rssMiB: process.memoryUsage.rss() / 2 ** 20, maps: mapsLines(), live: sys.liveMappings() };
}

/**
 * Lets memory settle: collects garbage, gives the event loop a turn (Node
 * runs the finalizers of collected buffers from there) and V8's background
 * sweeper a moment, until liveMappings() is down to `target` and RSS stops
 * falling, for at least `minRounds` and at most 40 rounds.
 */
export async function settle(gc: () => void, target: number, minRounds = 4): Promise<void> {
  let last = Infinity;
  for (let round = 0; round < 40; round++) {
    gc();
    await tick();
    await sleep(25);
    const rss = process.memoryUsage.rss();
    if (round + 1 >= minRounds && sys.liveMappings() <= target && rss >= last - 2 ** 20) return;
    last = Math.min(last, rss);
  }
}

/**
 * `cycles` allocate/free pairs through mpk-core: mmap, a write to the first
 * page (so it is really backed), munmap. Every tenth Region carries a label,
 * which goes through the fault reporter's fixed table of 4096 ranges: a label
 * that outlived its memory would fill it within a few tens of thousands of
 * cycles. The event loop gets a turn every `yieldEvery` cycles, as in any
 * program that does something else too: Node runs the finalizers of
 * released buffers from there.
 */
export async function allocateFreeCycles(cycles: number, bytes: number, yieldEvery = 1000): Promise<void> {
  for (let i = 1; i <= cycles; i++) {
    const region = i % 10 === 0 ? allocate(bytes, { label: 'soak' }) : allocate(bytes);
    new Uint8Array(region.buffer, 0, 1)[0] = 1;
    region.free();
    if (i % yieldEvery === 0) await tick();
  }
}

/**
 * `cycles` Regions allocated and dropped, left to the garbage collector,
 * which is run every `gcEvery` allocations (as a busy program's heap growth
 * would) so that the mappings waiting for it stay bounded.
 */
export async function allocateDropCycles(cycles: number, bytes: number, gc: () => void, gcEvery: number): Promise<void> {
  for (let i = 0; i < cycles; i++) {
    const region = allocate(bytes);
    new Uint8Array(region.buffer, 0, 1)[0] = 1;
    if ((i + 1) % gcEvery === 0) {
      gc();
      await tick();
    }
  }
}

export function soakLine(name: string, cycles: number, seconds: number, before: Snapshot, after: Snapshot): string {
  return (
    `soak: ${name} ${cycles} cycles in ${seconds.toFixed(1)} s, ` +
    `RSS before ${before.rssMiB.toFixed(1)} MiB after ${after.rssMiB.toFixed(1)} MiB, ` +
    `maps before ${before.maps} after ${after.maps}, liveMappings before ${before.live} after ${after.live}`
  );
}
