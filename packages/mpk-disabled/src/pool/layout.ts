import { MpkError, show } from '../errors.js';
import { checkInteger } from '../validate.js';

/**
 * The layout of a striped slab, after Wasmtime's pooling allocator
 * (`calculate` in its memory pool) and the ColorGuard paper.
 *
 * ```text
 * ┌──────┬──────┬──────┬──────┬───┬──────┬──────────┐
 * │slot 0│slot 1│slot 2│slot 3│...│slot n│post guard│
 * │key A │key B │key C │key A │   │      │PROT_NONE │
 * └──────┴──────┴──────┴──────┴───┴──────┴──────────┘
 * ```
 *
 * Slot i is coloured with stripe i mod stripes. A thread running for slot i
 * allows only its stripe's key, so every slot of another stripe behaves like
 * PROT_NONE memory to it: the neighbours are the guard region. An access that
 * runs `guardBytes` past the end of a slot must fault; with one key per slot
 * that needs a PROT_NONE gap after every slot, but with stripes the next
 * (stripes - 1) slots already fault, so the slot only needs
 * ceil((slotBytes + guardBytes) / stripes) bytes. What the stripes cannot cover
 * at the end of the slab is a real PROT_NONE guard after the last slot.
 *
 * Stripes are as many as the guard needs, capped by the keys and the slots, as
 * in Wasmtime. Without a guard, Wasmtime uses one stripe; here no guard means
 * the keys are the only isolation there is, so every available key is used and
 * neighbours are as far apart in colour as the keys allow.
 */
export interface PoolConstraints {
  /** How many slots. */
  readonly slots: number;
  /** Usable bytes per slot (rounded up to pages). */
  readonly slotBytes: number;
  /** Bytes past a slot's end that must fault (0: none asked for). */
  readonly guardBytes: number;
  /** Keys available for stripes (0 or 1: no striping). */
  readonly keysAvailable: number;
  readonly pageSize: number;
}

export interface PoolLayout {
  readonly slots: number;
  readonly stripes: number;
  /** Distance from one slot's start to the next: whole pages, at least the usable bytes. */
  readonly slotBytes: number;
  /** Usable bytes at the start of each slot (what `slot(i).buffer` covers). */
  readonly accessibleBytes: number;
  /** Bytes past a slot's end that are guaranteed to fault. */
  readonly guardBytes: number;
  /** The PROT_NONE region after the last slot. */
  readonly postGuardBytes: number;
  /** slots * slotBytes + postGuardBytes. */
  readonly totalBytes: number;
  readonly pageSize: number;
}

/** Most of x86-64's 47-bit user address space; no slab can be larger. */
export const MAX_SLAB_BYTES = 2 ** 46;

export function calculateLayout(constraints: PoolConstraints): PoolLayout {
  if (typeof constraints !== 'object' || constraints === null) {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `constraints must be an object, got ${show(constraints)}`, { argument: 'constraints', value: constraints });
  }
  const pageSize = checkInteger('pageSize', constraints.pageSize, 1, 2 ** 30);
  const slots = checkInteger('slots', constraints.slots, 1, MAX_SLAB_BYTES / pageSize);
  const wanted = checkInteger('slotBytes', constraints.slotBytes, 1, MAX_SLAB_BYTES);
  const guardBytes = checkInteger('guardBytes', constraints.guardBytes, 0, MAX_SLAB_BYTES);
  const keysAvailable = checkInteger('keysAvailable', constraints.keysAvailable, 0, 15);

  const roundUp = (bytes: number) => Math.ceil(bytes / pageSize) * pageSize;
  const accessibleBytes = roundUp(wanted);
  const faultingRegion = accessibleBytes + guardBytes;

  let stripes = 1;
  if (keysAvailable >= 2) {
    const needed = guardBytes === 0 ? keysAvailable : Math.ceil(faultingRegion / accessibleBytes);
    stripes = Math.max(1, Math.min(keysAvailable, needed, slots));
  }
  const slotBytes = roundUp(Math.max(Math.ceil(faultingRegion / stripes), accessibleBytes));
  const postGuardBytes = roundUp(Math.max(0, faultingRegion - slotBytes));
  const totalBytes = slots * slotBytes + postGuardBytes;

  if (!Number.isSafeInteger(totalBytes) || totalBytes > MAX_SLAB_BYTES) {
    throw new MpkError(
      'ERR_MPK_POOL_TOO_LARGE',
      `a pool of ${slots} slots of ${slotBytes} bytes (+${postGuardBytes} guard) needs ${totalBytes} bytes, more than the ${MAX_SLAB_BYTES} a slab may span`,
      { slots, slotBytes, postGuardBytes, totalBytes, max: MAX_SLAB_BYTES },
    );
  }
  return Object.freeze({ slots, stripes, slotBytes, accessibleBytes, guardBytes, postGuardBytes, totalBytes, pageSize });
}

/** The stripe of slot `index`: round-robin, so neighbours differ whenever stripes > 1. */
export function stripeOf(index: number, layout: PoolLayout): number {
  return index % layout.stripes;
}
