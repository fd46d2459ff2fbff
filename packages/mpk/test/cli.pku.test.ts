import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The built `mpk` command under real protection-key enforcement (PKU
 * hardware, or the QEMU guest). Few and lean: every node start costs seconds
 * in the guest, and doctor and demo start several children each.
 */
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function mpk(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, MPK_DISABLE: undefined }, timeout: 300_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      if (status === null) reject(new Error(`mpk ${args.join(' ')} did not exit normally: ${error?.message}\n${stdout}\n${stderr}`));
      else resolve({ status, stdout, stderr });
    });
  });
}

/** The table rows of `mpk demo`: tenant, slot key, target slot, target key, outcome. */
function rows(stdout: string) {
  return [...stdout.matchAll(/^(\d+)\s+(\d+)\s+(\d+) \(([a-z ]+)\)\s+(\d+)\s+(.+)$/gm)].map((m) => ({
    tenant: Number(m[1]),
    slotKey: Number(m[2]),
    target: Number(m[3]),
    relation: m[4],
    targetKey: Number(m[5]),
    outcome: m[6] as string,
  }));
}

describe('mpk under real PKU enforcement', { timeout: 600_000 }, () => {
  it('doctor: usable, keys free, key 1 held by V8, enforcement passed with a real SIGSEGV', async () => {
    const run = await mpk(['doctor', '--json']);
    const report = JSON.parse(run.stdout);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(report.exitCode).toBe(0);
    expect(report.verdict.usable).toBe(true);
    expect(report.verdict.line).toBe(`mpk: protection keys are usable here (${report.keys.free} keys free)`);
    expect(report.cpu).toMatchObject({ pku: true, ospke: true, cpuinfo: { pku: true, ospke: true } });
    expect(report.support.supported).toBe(true);

    expect(report.keys.status).toBe('counted');
    expect(report.keys.free).toBeGreaterThanOrEqual(1);
    expect(report.keys.freeIds).toHaveLength(report.keys.free);
    expect(report.keys.stoppedBy).toBe('ENOSPC');
    // Node 20's V8 takes key 1 at startup, and tags its wasm code space with it.
    expect(report.keys.freeIds).not.toContain(1);
    const held = report.keys.heldByOthers.find((entry: { key: number }) => entry.key === 1);
    expect(held?.note).toMatch(/V8/);
    expect(report.keys.mappings).toContainEqual(expect.objectContaining({ key: 1, perms: expect.stringContaining('x') }));

    expect(report.pkru.readable).toBe(true);
    expect(report.pkru.keys[1]).toMatchObject({ key: 1, owner: 'held-by-others' });
    expect(report.pkru.described).toMatch(/^PKRU 0x[0-9A-F]{8}\n/);

    expect(report.enforcement).toMatchObject({ status: 'passed', ended: 'SIGSEGV' });
    expect(report.enforcement.faultKey).toBe(report.enforcement.key);
    expect(report.enforcement.faultLine).toMatch(new RegExp(`^mpk: protection key violation: .* key=${report.enforcement.key} .*region="mpk doctor probe"`));
  });

  it('demo: reads across keys are BLOCKED by a real SIGSEGV, own-slot reads work, and the switch is timed', async () => {
    const run = await mpk(['demo']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const table = rows(run.stdout);
    const blocked = table.filter((row) => row.outcome.startsWith('BLOCKED'));
    const ok = table.filter((row) => row.outcome.startsWith('read ok'));
    expect(blocked.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const row of blocked) {
      expect(row.slotKey).not.toBe(row.targetKey);
      // The key comes from the fault report of the dead child (si_pkey): the target slot's key.
      expect(row.outcome).toBe(`BLOCKED (SIGSEGV, key ${row.targetKey})`);
    }
    expect(table).toContainEqual(expect.objectContaining({ tenant: 0, target: 1, relation: 'neighbour' }));
    expect(table.find((row) => row.tenant === 0 && row.target === 1)?.outcome).toMatch(/^BLOCKED/);
    expect(table.find((row) => row.tenant === 1 && row.target === 1)?.outcome).toBe('read ok: "tenant-1-birch"');
    expect(run.stdout).toMatch(/^ratio: a round with mprotect took [\d.]+x as long as with allow\(\) \(median of \d+ batches; (emulated CPU|native CPU)/m);
  });

  it('demo --broken-mask: with every key open the same neighbour read succeeds, so the block was the hardware\'s', async () => {
    const run = await mpk(['demo', '--broken-mask']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const table = rows(run.stdout);
    expect(table.length).toBeGreaterThanOrEqual(2);
    expect(table.find((row) => row.tenant === 0 && row.target === 1)?.outcome).toBe('read ok: "tenant-1-birch"');
    expect(table.every((row) => row.outcome.startsWith('read ok'))).toBe(true);
    expect(run.stdout).not.toContain('BLOCKED (');
  });
});
