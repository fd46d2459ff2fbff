import { execFile } from 'node:child_process';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuFlags } from '../../../test-support/cpu.js';

/**
 * The built `mpk` command on this host, end to end: usage errors, and what
 * doctor and demo say on a CPU without protection keys (this machine kind is
 * an AMD CPU without PKU). Runs dist/cli.js, so the package must be built
 * (turbo's test task depends on build).
 */
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Runs `mpk ...args`; each test starts its own processes, so the tests run concurrently. */
function mpk(args: string[], env: Record<string, string | undefined> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, MPK_DISABLE: undefined, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      if (status === null) reject(error);
      else resolve({ status, stdout, stderr });
    });
  });
}

const flags = cpuFlags();
const hostHasPku = flags.has('pku') && flags.has('ospke');
/** What the verdict must name as missing on this host. */
const missingBit = flags.has('pku') ? /OSPKE/ : /the CPU does not have PKU \(CPUID\.\(EAX=7,ECX=0\):ECX bit 3 is clear\)/;

describe.concurrent('mpk usage', () => {
  it('--help prints the usage on stdout and exits 0', async () => {
    const all = [['--help'], ['-h'], ['help'], ['doctor', '--help'], ['demo', '-h']];
    const runs = await Promise.all(all.map((args) => mpk(args)));
    for (const [index, args] of all.entries()) {
      const run = runs[index] as Awaited<ReturnType<typeof mpk>>;
      expect(run.status, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/^Usage: mpk <command> \[options\]/);
      expect(run.stdout).toContain('doctor');
      expect(run.stdout).toContain('demo');
      expect(run.stdout).toContain('--tenants N');
      expect(run.stderr).toBe('');
    }
  });

  it('keeps the hidden flag and the child commands out of the usage', async () => {
    const run = await mpk(['--help']);
    expect(run.stdout).not.toContain('broken-mask');
    expect(run.stdout).not.toContain('__child');
  });

  it('--version prints the package version', async () => {
    const run = await mpk(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [[], /no command given/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['doctor', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['doctor', 'extra'], /extra/],
    [['demo', '--tenants', '0'], /--tenants must be between 1 and \d+, got 0/],
    [['demo', '--tenants', 'many'], /--tenants wants a whole number, got "many"/],
    [['demo', '--tenants'], /--tenants/],
    [['__child', 'bogus'], /unknown child kind "bogus"/],
  ])('%j is a usage error: message and usage on stderr, exit 2', async (args, message) => {
    const run = await mpk(args as string[]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('Usage: mpk <command> [options]');
  });
});

describe.skipIf(hostHasPku)('mpk doctor on a CPU without PKU', { concurrent: true }, () => {
  it('puts the verdict on the first line, names the missing bit, and exits 1', async () => {
    const run = await mpk(['doctor']);
    expect(run.status).toBe(1);
    const [first, second] = run.stdout.split('\n');
    expect(first).toMatch(/^mpk: protection keys are NOT usable here: /);
    expect(first).toMatch(missingBit);
    expect(second).toBe('');
    expect(run.stdout).toMatch(/^CPUID PKU\s+(set|clear)\s/m);
    expect(run.stdout).toMatch(/^CPUID OSPKE\s+clear\s/m);
    expect(run.stdout).toContain(`kernel ${release()}`);
    expect(run.stdout).toContain(process.version);
    expect(run.stdout).toMatch(/^implementation\s+enabled: /m);
  });

  it('says the enforcement check was skipped, never that it passed', async () => {
    const run = await mpk(['doctor']);
    expect(run.stdout).toMatch(/^enforcement\s+skipped: no PKU/m);
    expect(run.stdout).not.toMatch(/passed/i);
    expect(run.stdout).toMatch(/^keys\s+not counted: no PKU/m);
  });

  it('--json prints one object with every field, typed', async () => {
    const run = await mpk(['doctor', '--json']);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.verdict).toEqual({ usable: false, line: expect.stringMatching(missingBit), reason: expect.stringMatching(missingBit) });
    expect(report.verdict.line).toBe(`mpk: protection keys are NOT usable here: ${report.verdict.reason}`);
    expect(report.platform).toEqual({ os: 'linux', arch: 'x64', node: process.version, v8: process.versions.v8, kernel: release() });
    expect(report.implementation).toEqual({ name: 'enabled', reason: expect.any(String) });
    expect(report.support).toEqual({ supported: false, reason: report.verdict.reason, missing: flags.has('pku') ? 'os' : 'cpu' });
    expect(report.cpu).toEqual({
      vendor: expect.any(String),
      model: expect.any(String),
      emulated: false,
      where: "this machine's CPU",
      pku: flags.has('pku'),
      ospke: false,
      cpuinfo: { pku: flags.has('pku'), ospke: false },
    });
    expect(report.keys).toMatchObject({ status: 'skipped', free: null, freeIds: [], heldByOthers: [], stoppedBy: null, smapsReportsKeys: null });
    expect(report.keys.detail).toMatch(/^not counted: no PKU/);
    expect(report.pkru).toMatchObject({ readable: false, value: null, hex: null, described: null, keys: [] });
    expect(report.enforcement).toEqual({
      status: 'skipped',
      detail: expect.stringMatching(/^skipped: no PKU/),
      key: null,
      ended: null,
      faultLine: null,
      faultKey: null,
    });
    expect(report.exitCode).toBe(1);
  });

  it('with MPK_DISABLE=1 the verdict names the disabled implementation', async () => {
    const run = await mpk(['doctor', '--json'], { MPK_DISABLE: '1' });
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.implementation).toEqual({ name: 'disabled', reason: 'MPK_DISABLE=1 is set' });
    expect(report.verdict.line).toBe('mpk: protection keys are NOT usable here: the disabled implementation is in use (MPK_DISABLE=1 is set)');
  });
});

describe.skipIf(hostHasPku)('mpk demo on a CPU without PKU', { concurrent: true }, () => {
  it.each([[[]], [['--broken-mask']], [['--tenants', '3']]])('%j refuses with the doctor\'s reason and exits 1', async (extra) => {
    const run = await mpk(['demo', ...(extra as string[])]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toMatch(/^mpk demo: protection keys are not usable here: /);
    expect(run.stderr).toMatch(missingBit);
  });
});
