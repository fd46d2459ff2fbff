/**
 * Mappings that are dropped without munmap() are unmapped when their
 * ArrayBuffer is collected; mappings that were munmap()ed are not unmapped a
 * second time by the collector (that would take pages away from whatever was
 * mapped at the same address since). Runs in a child with --expose-gc.
 */
import { describe, expect, it } from 'vitest';
import { ending, report, runFixture } from './helpers/child.js';

interface Snapshot {
  live: number;
  labels: number;
  mapped: number;
}
interface GcReport {
  before: Snapshot;
  peak: Snapshot;
  after: Snapshot;
  end: { live: number };
  rounds: number;
  survivors: number;
  survivorsIntact: boolean;
  collected: number;
  collectedStillMapped: number;
}

const COUNT = 16;
const SIZE = 64 * 1024 * 1024;
const UNMAP_EARLY = 4;

describe('garbage collection', () => {
  const r = runFixture('gc.mjs', { count: COUNT, size: SIZE, unmapEarly: UNMAP_EARLY }, { execArgv: ['--expose-gc'] });

  it('the child ran to the end', () => {
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
  });

  it('liveMappings() returns to the baseline plus the mappings still referenced', () => {
    const g = report<GcReport>(r);
    expect(g.peak.live).toBe(g.before.live + COUNT); // COUNT - UNMAP_EARLY + UNMAP_EARLY replacements
    expect(g.after.live).toBe(g.before.live + UNMAP_EARLY);
    expect(g.end.live).toBe(g.before.live);
  });

  it('/proc/self/maps shrinks by the collected mappings', () => {
    const g = report<GcReport>(r);
    expect(g.peak.mapped - g.before.mapped).toBeGreaterThanOrEqual(COUNT * SIZE - 64 * 1024 * 1024);
    // Every buffer left to the collector is gone from the kernel's view: no
    // mapping covers its range any more. (Comparing total mapped bytes instead
    // would also count whatever V8 mapped meanwhile.)
    expect(g.collected).toBe(COUNT - UNMAP_EARLY);
    expect(g.collectedStillMapped).toBe(0);
  });

  it('finalizers of munmap()ed buffers did not unmap the replacements mapped at their addresses', () => {
    const g = report<GcReport>(r);
    expect(g.survivors).toBe(UNMAP_EARLY);
    expect(g.survivorsIntact).toBe(true);
  });

  it('labels of collected mappings are dropped from the native table', () => {
    const g = report<GcReport>(r);
    expect(g.peak.labels).toBe(g.before.labels + (COUNT - UNMAP_EARLY) / 2);
    expect(g.after.labels).toBe(g.before.labels);
  });
});
