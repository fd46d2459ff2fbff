/**
 * The leak soak in the PKU guest (issue 9), shorter than the host's
 * (soak.test.ts) since JavaScript runs some 30 times slower there: Regions
 * allocated and freed, Regions left to the garbage collector, and protection
 * keys allocated and freed in a loop, which must never run out. Sizes:
 * MPK_SOAK_GUEST_CYCLES (default 4,000 allocate/free and 2,000 left to GC),
 * MPK_SOAK_KEY_CYCLES (default 300).
 */
import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { reportNumbers } from '../../../test-support/reliability.js';
import { readSmaps } from '../../../test-support/smaps.js';
import { allocateDropCycles, allocateFreeCycles, gcFunction, settle, snapshot, soakLine } from './fixtures/soak-loops.mjs';

const CYCLES = Number(process.env.MPK_SOAK_GUEST_CYCLES ?? 0) || 4_000;
const KEY_CYCLES = Number(process.env.MPK_SOAK_KEY_CYCLES ?? 0) || 300;
const PAGE = sys.pageSize();
const RSS_TOLERANCE_MIB = 32;
const MAPS_TOLERANCE = 32;

const gc = gcFunction();

describe('leak soak (PKU guest)', () => {
  it(`${CYCLES} allocate/free cycles and ${CYCLES / 2} left to GC leave nothing behind`, { timeout: 600_000 }, async () => {
    await allocateFreeCycles(500, PAGE);
    await settle(gc, 0);
    const before = snapshot();
    let started = performance.now();
    await allocateFreeCycles(CYCLES, PAGE);
    await settle(gc, before.live);
    const freed = snapshot();
    reportNumbers('soak', soakLine('allocate/free', CYCLES, (performance.now() - started) / 1000, before, freed), { test: 'allocate/free', cycles: CYCLES, before, after: freed });

    started = performance.now();
    await allocateDropCycles(CYCLES / 2, PAGE, gc, 500);
    await settle(gc, before.live);
    const collected = snapshot();
    reportNumbers('soak', soakLine('left to GC', CYCLES / 2, (performance.now() - started) / 1000, freed, collected), { test: 'left to GC', cycles: CYCLES / 2, before: freed, after: collected });

    for (const now of [freed, collected]) {
      expect(now.live).toBe(before.live);
      expect(now.rssMiB - before.rssMiB).toBeLessThanOrEqual(RSS_TOLERANCE_MIB);
      expect(now.maps - before.maps).toBeLessThanOrEqual(MAPS_TOLERANCE);
    }
  });

  it(`keys allocated and freed ${KEY_CYCLES} times never run out, and free keys leave no tag behind`, () => {
    const pkruBefore = pkru.read();
    const started = performance.now();
    // All the keys there are, then give them back: the same number each round.
    const counts: number[] = [];
    for (let round = 0; round < 10; round++) {
      const held: number[] = [];
      for (;;) {
        try {
          held.push(sys.pkeyAlloc(0, sys.PKEY_DISABLE_ACCESS));
        } catch (error) {
          expect((error as { code?: string }).code).toBe('ENOSPC');
          break;
        }
      }
      counts.push(held.length);
      for (const key of held) sys.pkeyFree(key);
    }
    expect(new Set(counts).size, `keys per round: ${counts.join(', ')}`).toBe(1);
    expect(counts[0]).toBeGreaterThanOrEqual(13);

    // One key at a time, used to tag a page and untagged again before it is freed.
    const buffer = sys.mmap(PAGE);
    const seen = new Set<number>();
    for (let i = 0; i < KEY_CYCLES; i++) {
      const key = sys.pkeyAlloc(0, sys.PKEY_DISABLE_ACCESS);
      seen.add(key);
      sys.pkeyMprotect(buffer, sys.PROT_READ | sys.PROT_WRITE, key);
      sys.pkeyMprotect(buffer, sys.PROT_READ | sys.PROT_WRITE, 0);
      sys.pkeyFree(key);
    }
    const address = sys.addressOf(buffer);
    expect(readSmaps().find((e) => e.start <= address && address < e.end)?.protectionKey).toBe(0);
    sys.munmap(buffer);
    // The keys came back with access disabled, as they started: the register is as it was.
    expect(pkru.read()).toBe(pkruBefore);
    const seconds = (performance.now() - started) / 1000;
    reportNumbers('soak', `soak: keys ${10 * counts[0]!} allocated and freed in 10 rounds of all ${counts[0]} keys, then ${KEY_CYCLES} alloc/tag/untag/free cycles (key${seen.size === 1 ? '' : 's'} ${[...seen].join(', ')}) in ${seconds.toFixed(1)} s: none ran out`, {
      test: 'keys',
      rounds: 10,
      keysPerRound: counts[0],
      cycles: KEY_CYCLES,
    });
  });
});
