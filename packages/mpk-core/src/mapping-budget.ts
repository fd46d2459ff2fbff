import { readFileSync } from 'node:fs';
import { MpkError } from 'mpk-disabled';

/**
 * Every run of pages with its own key or protection is a VMA of its own, and
 * the kernel caps VMAs per process at vm.max_map_count (65530 by default).
 * Past it, mmap and mprotect fail with ENOMEM halfway through building a pool;
 * so a pool that would need more is refused up front. A margin stays free for
 * the rest of the process (V8, libuv and glibc map memory all the time).
 *
 * Counting means reading /proc/self/maps, which costs more than building a
 * small pool; so only requests of at least an eighth of the limit are counted.
 * A smaller one that still finds the limit reached fails cleanly anyway: the
 * kernel refuses with ENOMEM, the pool frees its slab and throws.
 */
const HEADROOM = 1024;
let cachedLimit: number | undefined;

function readLimit(): number {
  try {
    return Number.parseInt(readFileSync('/proc/sys/vm/max_map_count', 'utf8'), 10) || 65530;
  } catch {
    return 65530;
  }
}

function countMappings(): number {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    let lines = 0;
    for (let at = maps.indexOf('\n'); at !== -1; at = maps.indexOf('\n', at + 1)) lines++;
    return lines;
  } catch {
    return 0;
  }
}

export function checkMappingBudget(count: number): void {
  const limit = (cachedLimit ??= readLimit());
  if (count < limit / 8) return;
  const inUse = countMappings();
  if (inUse + count + HEADROOM > limit) {
    throw new MpkError(
      'ERR_MPK_TOO_MANY_MAPPINGS',
      `this needs ${count} more memory mappings; the process has ${inUse} and vm.max_map_count is ${limit} (${HEADROOM} are kept free for the rest of the process)`,
      { needed: count, inUse, limit, headroom: HEADROOM },
    );
  }
}
