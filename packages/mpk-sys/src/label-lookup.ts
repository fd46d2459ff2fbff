/**
 * Looking a label up by address: what the fault reporter would print as
 * region="label" for a fault there. mpk's mappings() uses it to name the
 * regions in a listing of the process's mappings.
 *
 * The lookup reads the same native table as the signal handler (labels set
 * with setMappingLabel(), escaped and cut to LABEL_MAX_BYTES as stored). It
 * finds the smallest labelled range that contains the address.
 */
import { native } from './binding.js';
import { MpkError, show } from './errors.js';

export interface LabelInfo {
  /** The label as stored (and as a fault report prints it). */
  readonly label: string;
  /** Address of the labelled range's first byte; the offset in a report is counted from here. */
  readonly start: bigint;
}

/**
 * The labelled range containing `address`, or null (also without the
 * binding, where no label can exist).
 */
export function labelOf(address: bigint): LabelInfo | null {
  if (typeof address !== 'bigint') {
    throw new MpkError('ERR_MPK_INVALID_ARGUMENT', `labelOf: address must be a bigint, got ${show(address)}`, {
      argument: 'address',
      value: address,
    });
  }
  if (address < 0n || address > 0xffff_ffff_ffff_ffffn) {
    throw new MpkError('ERR_MPK_OUT_OF_RANGE', `labelOf: address must be from 0n to 2n ** 64n - 1n, got ${show(address)}`, {
      argument: 'address',
      value: address,
    });
  }
  return native === null ? null : native.labelOf(address);
}
