/**
 * The leak soak on the host (issue 9): a million Regions allocated and freed,
 * and a hundred thousand allocated and left to the garbage collector. Memory
 * must come back: mpk-sys's count of live mappings exactly, RSS and the lines
 * of /proc/self/maps within the tolerances below. It runs in a child process
 * of its own (test/fixtures/soak-child.mjs, with --expose-gc), so the numbers
 * are the loop's and not the test runner's.
 *
 * The baseline is taken after a warm-up of 200,000 cycles: those raise RSS
 * by 40 to 70 MiB and /proc/self/maps by about 100 lines once. That is the
 * allocators reaching their working size, not a leak: the malloc arenas of
 * V8's background threads (which release the buffers' backing stores), the C
 * heap and V8's own pages. From then on the maps lines stay flat and RSS
 * nearly so: V8's heap stays at its size, and the C heap grows in steps of
 * up to 15 MiB now and then when other processes compete for the CPU, with
 * long flat stretches between (measured on the development host over 4
 * million cycles: under 20 MiB in all, where a per-cycle leak would grow
 * evenly). So after the warm-up, the million cycles must leave RSS within 32
 * MiB of the baseline (a leak of 34 bytes a cycle would not fit), and so must
 * their second half on its own (midpoint -> after); the maps lines within 24;
 * liveMappings() exactly (a leaked mapping), and a leaked label would fill
 * the fault reporter's table within a few tens of thousands of cycles and
 * make allocate() throw. Memory is measured after settling: garbage
 * collected, finalizers run, RSS no longer falling.
 *
 * Sizes: 1,000,000 and 100,000 by default, after 200,000 warm-up cycles
 * (about 45 s on a 2-core host); MPK_SOAK_CYCLES and MPK_SOAK_GC_CYCLES
 * change them.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lastJson, runNode } from '../../../test-support/child.js';
import { reportNumbers } from '../../../test-support/reliability.js';
import { soakLine } from './fixtures/soak-loops.mjs';

const FREE_CYCLES = Number(process.env.MPK_SOAK_CYCLES ?? 0) || 1_000_000;
const GC_CYCLES = Number(process.env.MPK_SOAK_GC_CYCLES ?? 0) || 100_000;
const WARMUP_CYCLES = Math.min(200_000, FREE_CYCLES);
/** What the run may add to the baseline taken after the warm-up. */
const RSS_TOLERANCE_MIB = 32;
const MAPS_TOLERANCE = 24;

interface Snapshot {
  rssMiB: number;
  maps: number;
  live: number;
}
interface Phase {
  cycles: number;
  seconds: number;
  before: Snapshot;
  middle?: Snapshot;
  after: Snapshot;
}

describe('leak soak (host)', () => {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  let result: { warmup: Phase; free: Phase; gc: Phase } | undefined;
  const run = () => {
    if (result !== undefined) return result;
    const child = runNode(`await import(${JSON.stringify(new URL('./fixtures/soak-child.mjs', import.meta.url).href)});`, {
      cwd: packageDir,
      execArgv: ['--expose-gc'],
      env: { MPK_SOAK_CHILD: JSON.stringify({ freeCycles: FREE_CYCLES, gcCycles: GC_CYCLES, warmupCycles: WARMUP_CYCLES, page: 4096 }) },
      timeoutMs: 900_000,
    });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    result = lastJson<{ warmup: Phase; free: Phase; gc: Phase }>(child);
    return result;
  };

  it(`${FREE_CYCLES} allocate/free cycles leave no mapping, memory or label behind`, { timeout: 900_000 }, () => {
    const { warmup, free } = run();
    const { before, middle, after } = free;
    reportNumbers(
      'soak',
      `${soakLine('allocate/free', free.cycles, free.seconds, before, after)} (midpoint RSS ${middle!.rssMiB.toFixed(1)} MiB, maps ${middle!.maps}; ` +
        `baseline taken after ${warmup.cycles} warm-up cycles, which went from RSS ${warmup.before.rssMiB.toFixed(1)} MiB, maps ${warmup.before.maps})`,
      { test: 'allocate/free', ...free, warmup },
    );
    expect(middle!.live).toBe(before.live);
    expect(after.live).toBe(before.live);
    for (const [from, to] of [[before, after], [middle!, after]] as const) {
      expect(to.rssMiB - from.rssMiB).toBeLessThanOrEqual(RSS_TOLERANCE_MIB);
      expect(to.maps - from.maps).toBeLessThanOrEqual(MAPS_TOLERANCE);
    }
  });

  it(`${GC_CYCLES} allocations left to the garbage collector are all unmapped by it`, { timeout: 900_000 }, () => {
    const { gc } = run();
    reportNumbers('soak', soakLine('left to GC', gc.cycles, gc.seconds, gc.before, gc.after), { test: 'left to GC', ...gc });
    expect(gc.after.live).toBe(gc.before.live);
    expect(gc.after.rssMiB - gc.before.rssMiB).toBeLessThanOrEqual(RSS_TOLERANCE_MIB);
    expect(gc.after.maps - gc.before.maps).toBeLessThanOrEqual(MAPS_TOLERANCE);
  });
});
