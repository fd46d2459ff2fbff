/**
 * The line mpk-sys's fault reporter writes to stderr when a protection-key
 * fault (SIGSEGV with si_code SEGV_PKUERR) kills a process:
 *
 *     mpk: protection key violation: address=0x7f3a1c001000 key=3 pkru=0x55555570 tid=4242 region="mpk demo pool"+0x1000
 *
 * The key comes from the kernel (si_pkey), so a parent that finds this line in
 * a dead child's stderr knows the child died of a real protection-key fault
 * and which key refused the access: no JavaScript decided that.
 */
export interface FaultReport {
  /** The key of the page that was touched (si_pkey). */
  key: number;
  /** The refused data address, as printed (hex). */
  address: string;
  /** The interrupted thread's PKRU, or null when the reporter could not know it. */
  pkru: number | null;
  /** The label of the region the address lies in, or null. */
  region: string | null;
  /** The whole line, for display. */
  line: string;
}

const LINE = /^mpk: protection key violation: address=(0x[0-9a-f]+) key=(\d+) pkru=(0x[0-9a-f]+|unknown) tid=\d+ region=(?:"(.*)"\+0x[0-9a-f]+|unknown)$/m;

/** The first fault report in `stderr`, or null when there is none. */
export function parseFaultReport(stderr: string): FaultReport | null {
  const match = LINE.exec(stderr);
  if (!match) return null;
  const [line, address, key, pkru, region] = match as unknown as [string, string, string, string, string | undefined];
  return {
    key: Number(key),
    address,
    pkru: pkru === 'unknown' ? null : Number.parseInt(pkru, 16),
    region: region ?? null,
    line,
  };
}
