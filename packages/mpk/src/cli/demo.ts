import { cpuOrigin } from './environment.js';
import { howItEnded, runChild, stage, stderrTail, type ChildRun } from './child.js';
import { basicVerdict } from './doctor.js';
import { planAttempts, secretOf, type Attempt } from './demo-plan.js';
import { tenantPool } from './demo-tenant.js';
import { parseFaultReport } from './fault-line.js';
import { table } from './format/table.js';
import { timeSwitches, type SwitchTiming } from './switch-timing.js';

/**
 * `mpk demo`: tenants in a striped pool, each running with access to its own
 * slot only; a few reads across slots, each in its own child process, and
 * what happened to them; then the same switch done with mprotect, timed.
 */
export interface DemoOptions {
  tenants: number;
  /** Hidden: run tenants under ProtectionMask.all() to show the block is the hardware's. */
  brokenMask: boolean;
}

export interface AttemptResult extends Attempt {
  slotKey: number | null;
  targetKey: number | null;
  outcome: 'read' | 'blocked' | 'error';
  /** What the read returned. */
  value: string | null;
  /** The key in the fault report (si_pkey). */
  faultKey: number | null;
  /** What the keys predict for this read. */
  expected: 'read' | 'blocked';
  asExpected: boolean;
  /** For the table: `read ok: "..."`, `BLOCKED (SIGSEGV, key 3)`, `ERROR: ...`. */
  shown: string;
}

export function judgeAttempt(attempt: Attempt, run: ChildRun, brokenMask: boolean): AttemptResult {
  const ready = stage<{ slotKey: number | null; targetKey: number | null }>(run, 'ready');
  const read = stage<{ value: string }>(run, 'read');
  const report = parseFaultReport(run.stderr);
  const slotKey = ready?.slotKey ?? null;
  const targetKey = ready?.targetKey ?? null;
  const expected = brokenMask || slotKey === targetKey ? 'read' : 'blocked';
  const base = { ...attempt, slotKey, targetKey, expected } as const;

  if (run.status === 0 && read !== undefined) {
    return { ...base, outcome: 'read', value: read.value, faultKey: null, asExpected: expected === 'read' && read.value === secretOf(attempt.target), shown: `read ok: "${read.value}"` };
  }
  if (run.signal === 'SIGSEGV' && report !== null && ready !== undefined) {
    return { ...base, outcome: 'blocked', value: null, faultKey: report.key, asExpected: expected === 'blocked' && report.key === targetKey, shown: `BLOCKED (SIGSEGV, key ${report.key})` };
  }
  const why = ready === undefined ? 'the pool was not set up' : run.signal === 'SIGSEGV' ? 'SIGSEGV without a protection-key report' : howItEnded(run);
  return { ...base, outcome: 'error', value: null, faultKey: null, asExpected: false, shown: `ERROR: ${why}${stderrTail(run) ? ` (${stderrTail(run, 1)})` : ''}` };
}

function relation(attempt: Attempt, tenants: number, slotKey: number | null, targetKey: number | null): string {
  if (attempt.tenant === attempt.target) return 'its own';
  if (slotKey !== null && slotKey === targetKey) return 'same key as its own';
  const distance = Math.abs(attempt.tenant - attempt.target);
  return distance === 1 || distance === tenants - 1 ? 'neighbour' : 'another tenant';
}

export function renderAttempts(results: readonly AttemptResult[], tenants: number): string {
  const key = (id: number | null) => (id === null ? '-' : String(id));
  return table(
    ['tenant', 'slot key', 'reads slot', 'target key', 'outcome'],
    results.map((r) => [String(r.tenant), key(r.slotKey), `${r.target} (${relation(r, tenants, r.slotKey, r.targetKey)})`, key(r.targetKey), r.shown]),
  );
}

export function renderTiming(timing: SwitchTiming, emulated: boolean): string {
  const perRound = (ns: number) => `${duration(ns)}/round`;
  const where = emulated ? 'emulated CPU (QEMU TCG): the ratio describes this emulator, not real hardware' : 'native CPU';
  const calls = (n: number, what: string) => `${String(n).padStart(4)} call${n === 1 ? ' ' : 's'} per round  (${what})`;
  return [
    `the same switch with mprotect: take away and give back access to all ${timing.slots} slots, timed in this run`,
    table(
      ['', 'calls', 'measured here'],
      [
        ['mprotect', calls(timing.mprotectCallsPerRound, 'PROT_NONE, then PROT_READ|PROT_WRITE, for each slot'), perRound(timing.mprotectRoundNs)],
        ['allow()', calls(timing.allowCallsPerRound, 'ProtectionMask.zero(), then ProtectionMask.all()'), perRound(timing.allowRoundNs)],
      ],
    ),
    `ratio: a round with mprotect took ${formatRatio(timing.ratio)} as long as with allow() (median of ${timing.batches} batches; ${where})`,
  ].join('\n');
}

/** 3 significant digits in ns, µs or ms, never in exponent form. */
export function duration(ns: number): string {
  const [value, unit] = ns < 1e3 ? [ns, 'ns'] : ns < 1e6 ? [ns / 1e3, 'µs'] : [ns / 1e6, 'ms'];
  return `${Number(value.toPrecision(3))} ${unit}`;
}

function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}x`;
}

export async function demo(options: DemoOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const verdict = basicVerdict();
  if (!verdict.usable) {
    err(`mpk demo: protection keys are not usable here: ${verdict.reason}`);
    err('(`mpk doctor` says more; on a CPU without PKU, tools/pku-guest/run.sh runs the demo in a QEMU guest whose emulated CPU has it)');
    return 1;
  }
  const origin = cpuOrigin();
  const { tenants, brokenMask } = options;
  const pool = tenantPool(tenants);
  try {
    const layout = pool.layout();
    out(`mpk demo: ${tenants} tenant${tenants === 1 ? '' : 's'} in one striped pool; each tenant's code runs with access to its own slot only`);
    out(`running on: ${origin.label}`);
    out(
      `pool: ${tenants} slot${tenants === 1 ? '' : 's'} of ${layout.slotBytes} bytes, ${layout.stripes} stripe${layout.stripes === 1 ? '' : 's'} with keys ${layout.keys.join(' ')} ` +
        `(slot i has the key of stripe i mod ${layout.stripes}); each slot holds its tenant's secret (slot 0: "${secretOf(0)}")`,
    );
    if (brokenMask) {
      out('--broken-mask: each read runs in its own child process under withMask(ProtectionMask.all(), ...), every key open, instead of pool.run(tenant, ...)');
    } else {
      out('each read runs in its own child process inside pool.run(tenant, ...): a protection fault kills the child, and how it died is the result');
    }
    out('');

    const attempts = planAttempts(tenants, layout.stripes, brokenMask && tenants > 1);
    const args = (a: Attempt) => ['tenant', '--tenants', String(tenants), '--tenant', String(a.tenant), '--target', String(a.target), ...(brokenMask ? ['--broken-mask'] : [])];
    const runs = await Promise.all(attempts.map((attempt) => runChild(args(attempt))));
    const results = attempts.map((attempt, index) => judgeAttempt(attempt, runs[index] as ChildRun, brokenMask));
    out(renderAttempts(results, tenants));
    out('');

    const blocked = results.filter((r) => r.outcome === 'blocked').length;
    const crossReads = results.filter((r) => r.outcome === 'read' && r.tenant !== r.target && r.slotKey !== r.targetKey).length;
    const unexpected = results.filter((r) => !r.asExpected);
    if (brokenMask) {
      out(
        `with every key open, ${crossReads} read${crossReads === 1 ? '' : 's'} of another tenant's slot succeeded: ` +
          'in a normal run those reads are BLOCKED by the CPU\'s protection-key check (the fault kills the child), not by JavaScript',
      );
    } else {
      out(
        `${blocked} read${blocked === 1 ? '' : 's'} of a slot with another key ${blocked === 1 ? 'was' : 'were'} BLOCKED: ` +
          'the CPU refused the load (SIGSEGV with si_code SEGV_PKUERR, reported with the slot\'s key) and the child died; ' +
          'reads the tenant\'s key allows worked',
      );
    }
    if (unexpected.length > 0) {
      err(`mpk demo: ${unexpected.length} read${unexpected.length === 1 ? '' : 's'} did not end as the keys predict:`);
      for (const r of unexpected) err(`  tenant ${r.tenant} reading slot ${r.target}: expected ${r.expected}, got ${r.shown}`);
      return 1;
    }
    if (brokenMask) return 0;

    out('');
    out(renderTiming(timeSwitches(pool), origin.emulated));
    return 0;
  } finally {
    pool.free();
  }
}
