import * as sys from 'mpk-sys';
import { allow, ProtectionMask, type StripedPool } from '../index.js';

/**
 * The same switch two ways, timed side by side in this process: taking away
 * and giving back access to every slot of the pool.
 *
 * - mprotect: one syscall per slot to make it PROT_NONE, one per slot to make
 *   it PROT_READ|PROT_WRITE again (2N calls; page tables change, the TLB is
 *   flushed). This is what isolating slots costs without keys.
 * - keys: allow(ProtectionMask.zero()) then allow(ProtectionMask.all()):
 *   two PKRU writes, whatever N is.
 *
 * Only the ratio is meaningful, and only for the machine it ran on: under
 * QEMU's TCG both sides are emulated with costs unlike any real CPU.
 */
export interface SwitchTiming {
  slots: number;
  mprotectCallsPerRound: number;
  allowCallsPerRound: number;
  /** Median nanoseconds per round over the batches. */
  mprotectRoundNs: number;
  allowRoundNs: number;
  /** mprotectRoundNs / allowRoundNs, the median of the per-batch ratios. */
  ratio: number;
  batches: number;
}

function nsPerRound(round: () => void, rounds: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) round();
  return Number(process.hrtime.bigint() - start) / rounds;
}

/** How many rounds take about `targetNs`. */
function calibrate(round: () => void, targetNs: number): number {
  let rounds = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) round();
    const elapsed = Number(process.hrtime.bigint() - start);
    if (elapsed >= targetNs || rounds >= 1 << 24) return Math.max(1, Math.ceil((rounds * targetNs) / Math.max(elapsed, 1)));
    rounds *= 2;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function timeSwitches(pool: StripedPool, batches = 5, batchNs = 30e6): SwitchTiming {
  const { slots } = pool.layout();
  const views = Array.from({ length: slots }, (_, index) => pool.slot(index).buffer);
  const readWrite = sys.PROT_READ | sys.PROT_WRITE;
  const byMprotect = () => {
    for (const view of views) sys.mprotect(view, sys.PROT_NONE);
    for (const view of views) sys.mprotect(view, readWrite);
  };
  const none = ProtectionMask.zero();
  const all = ProtectionMask.all();
  const byKeys = () => {
    allow(none);
    allow(all);
  };

  const mprotectRounds = calibrate(byMprotect, batchNs);
  const allowRounds = calibrate(byKeys, batchNs);
  const mprotectTimes: number[] = [];
  const allowTimes: number[] = [];
  const ratios: number[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const m = nsPerRound(byMprotect, mprotectRounds);
    const a = nsPerRound(byKeys, allowRounds);
    mprotectTimes.push(m);
    allowTimes.push(a);
    ratios.push(m / a);
  }
  return {
    slots,
    mprotectCallsPerRound: 2 * slots,
    allowCallsPerRound: 2,
    mprotectRoundNs: median(mprotectTimes),
    allowRoundNs: median(allowTimes),
    ratio: median(ratios),
    batches,
  };
}
