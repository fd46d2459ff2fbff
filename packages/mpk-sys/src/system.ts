/** The page size, and the empty native call that benchmarks measure against. */
import { native, requireNative } from './binding.js';
import { checkResult } from './errors.js';

let cachedPageSize = 0;

/**
 * The kernel's page size, sysconf(_SC_PAGESIZE): the unit in which memory is
 * mapped, protected and tagged with keys. 4096 on x86-64; other sizes exist
 * on other architectures, so nothing here assumes it.
 */
export function pageSize(): number {
  if (cachedPageSize === 0) {
    cachedPageSize = checkResult('sysconf', requireNative('pageSize').pageSize());
  }
  return cachedPageSize;
}

/**
 * Crosses into the native addon and straight back: the floor under every
 * other call's cost. Does nothing when the binding is unavailable.
 */
export function noop(): void {
  native?.noop();
}
