import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { emit, howItEnded, runChild, stage, stderrTail } from './child.js';
import { parseFaultReport } from './fault-line.js';

/**
 * The live enforcement check: does this CPU and kernel really stop a read?
 *
 * A child process maps a page, writes a byte, tags the page with a fresh key,
 * reads the byte back while the key is allowed (the control), then sets the
 * key's access-disable bit in its own PKRU and reads again. Under enforcement
 * that read faults: the child dies with SIGSEGV and mpk-sys's fault reporter
 * prints a line naming the key (si_pkey, from the kernel). The check passes
 * only on exactly that: SIGSEGV, the report, the probe's key. A child that
 * survives the read, or dies of anything else, fails the check.
 *
 * It uses the raw packages (mpk-sys, mpk-pkru), not the library, so that it
 * tests the platform rather than this library's bookkeeping.
 */
export type EnforcementStatus = 'passed' | 'failed' | 'skipped';

export interface EnforcementCheck {
  status: EnforcementStatus;
  /** One sentence saying what happened (or why it did not run). */
  detail: string;
  /** The key the probe used, when it got that far. */
  key: number | null;
  /** How the child ended: "SIGSEGV", "exit 0", ... (null when skipped). */
  ended: string | null;
  /** The fault reporter's line, when there was one. */
  faultLine: string | null;
  /** The key named in the fault report (si_pkey). */
  faultKey: number | null;
}

const MARKER = 0x5a;

/** Child side (`mpk __child enforcement`). */
export function enforcementChild(): void {
  sys.installFaultReporter();
  const key = sys.pkeyAlloc(0, 0);
  const buffer = sys.mmap(sys.pageSize());
  sys.setMappingLabel(buffer, 'mpk doctor probe');
  const view = new Uint8Array(buffer);
  view[0] = MARKER;
  sys.pkeyMprotect(buffer, sys.PROT_READ | sys.PROT_WRITE, key);
  // pkey_alloc(0, 0) left the key open on this thread: the control read must work.
  emit({ stage: 'allowed', key, value: view[0], pkru: pkru.read() });
  pkru.update(pkru.withRights(0, key, pkru.PKEY_DISABLE_ACCESS), pkru.keyBits(key));
  emit({ stage: 'disabled', key, pkru: pkru.read() });
  const value = view[0];
  emit({ stage: 'survived', key, value });
}

export function skippedEnforcement(detail: string): EnforcementCheck {
  return { status: 'skipped', detail, key: null, ended: null, faultLine: null, faultKey: null };
}

/** Parent side: runs the probe in a child and judges how it died. */
export async function checkEnforcement(): Promise<EnforcementCheck> {
  const run = await runChild(['enforcement']);
  const allowed = stage<{ key: number; value: number }>(run, 'allowed');
  const disabled = stage<{ key: number; pkru: number }>(run, 'disabled');
  const survived = stage<{ value: number }>(run, 'survived');
  const report = parseFaultReport(run.stderr);
  const key = allowed?.key ?? null;
  const ended = howItEnded(run);
  const result = (status: EnforcementStatus, detail: string): EnforcementCheck => ({
    status,
    detail,
    key,
    ended,
    faultLine: report?.line ?? null,
    faultKey: report?.key ?? null,
  });

  if (allowed === undefined || key === null) {
    return result('failed', `the probe could not set up its page (${ended}): ${stderrTail(run) || 'no output'}`);
  }
  if (allowed.value !== MARKER) {
    return result('failed', `with key ${key} allowed the probe read ${allowed.value}, not the ${MARKER} it wrote`);
  }
  if (disabled === undefined) {
    return result('failed', `the probe died before disabling key ${key} (${ended}): ${stderrTail(run) || 'no output'}`);
  }
  if (survived !== undefined) {
    return result('failed', `the read of a page tagged with key ${key} succeeded after access to the key was disabled (PKRU 0x${hex(disabled.pkru)}): nothing enforces protection keys here`);
  }
  if (run.signal !== 'SIGSEGV') {
    return result('failed', `the probe died with ${ended} instead of SIGSEGV when it read a page whose key ${key} was disabled`);
  }
  if (report === null) {
    return result('failed', `the probe died with SIGSEGV but the fault reporter printed no protection-key report (not a SEGV_PKUERR fault?)`);
  }
  if (report.key !== key) {
    return result('failed', `the probe died with SIGSEGV, but the fault names key ${report.key}, not the probe's key ${key}`);
  }
  return result(
    'passed',
    `a child tagged a page with key ${key}, read it (ok), disabled key ${key} in its PKRU (0x${hex(disabled.pkru)}) and read again: it died with SIGSEGV, a protection-key fault on key ${report.key}`,
  );
}

function hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
