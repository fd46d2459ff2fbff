import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../src/cli/args.js';
import type { ChildRun } from '../src/cli/child.js';
import { planAttempts, secretOf } from '../src/cli/demo-plan.js';
import { duration, judgeAttempt, renderAttempts } from '../src/cli/demo.js';
import type { DoctorReport } from '../src/cli/doctor.js';
import { renderDoctor } from '../src/cli/doctor-text.js';
import { cpuOrigin } from '../src/cli/environment.js';
import { parseFaultReport } from '../src/cli/fault-line.js';
import { table } from '../src/cli/format/table.js';
import { parseSmapsKeys } from '../src/cli/smaps.js';

/** The pieces of the CLI that need no hardware, checked on any host. */

const FAULT = 'mpk: protection key violation: address=0x7f1a81de3000 key=3 pkru=0x55555570 tid=138 region="mpk demo tenants"+0x1000';

function child(partial: Partial<ChildRun>): ChildRun {
  return { status: null, signal: null, stdout: '', stderr: '', messages: [], error: null, ...partial };
}

describe('parseFaultReport', () => {
  it("reads the key, address, PKRU and region of mpk-sys's report", () => {
    expect(parseFaultReport(`some noise\n${FAULT}\nSegmentation fault\n`)).toEqual({
      key: 3,
      address: '0x7f1a81de3000',
      pkru: 0x55555570,
      region: 'mpk demo tenants',
      line: FAULT,
    });
  });

  it('accepts unknown PKRU and region, and finds nothing in other text', () => {
    expect(parseFaultReport('mpk: protection key violation: address=0x1000 key=15 pkru=unknown tid=1 region=unknown')).toMatchObject({ key: 15, pkru: null, region: null });
    expect(parseFaultReport('Segmentation fault (core dumped)')).toBeNull();
    expect(parseFaultReport('')).toBeNull();
  });
});

describe('table', () => {
  it('pads every column but the last to its widest cell, under a rule', () => {
    expect(table(['a', 'long header', 'z'], [['wide cell', '1', 'x'], ['b', '22', 'last column is not padded']])).toBe(
      ['a          long header  z', '---------  -----------  -------------------------', 'wide cell  1            x', 'b          22           last column is not padded'].join('\n'),
    );
  });
});

describe('the demo plan', () => {
  it('tries a neighbour, an own slot, a far slot, and a wrap-around, each once', () => {
    expect(planAttempts(8, 8)).toEqual([
      { tenant: 0, target: 1 },
      { tenant: 1, target: 1 },
      { tenant: 2, target: 0 },
      { tenant: 3, target: 3 },
      { tenant: 7, target: 0 },
    ]);
    expect(planAttempts(1, 1)).toEqual([{ tenant: 0, target: 0 }]);
    expect(planAttempts(2, 2)).toEqual([
      { tenant: 0, target: 1 },
      { tenant: 1, target: 1 },
      { tenant: 0, target: 0 },
      { tenant: 1, target: 0 },
    ]);
  });

  it('with more tenants than keys, also reads a slot that shares the reader\'s key', () => {
    expect(planAttempts(20, 14)).toContainEqual({ tenant: 0, target: 14 });
  });

  it('for --broken-mask, only the reads of other tenants\' slots', () => {
    expect(planAttempts(8, 8, true)).toEqual([
      { tenant: 0, target: 1 },
      { tenant: 2, target: 0 },
      { tenant: 7, target: 0 },
    ]);
  });

  it('gives every tenant a distinct secret', () => {
    expect(new Set(Array.from({ length: 64 }, (_, i) => secretOf(i))).size).toBe(64);
  });
});

describe('judging a demo attempt from how the child died', () => {
  const ready = { stage: 'ready', slotKey: 2, targetKey: 3 };

  it('BLOCKED only for SIGSEGV with a protection-key report naming the target key', () => {
    const result = judgeAttempt({ tenant: 0, target: 1 }, child({ signal: 'SIGSEGV', stderr: `${FAULT}\n`, messages: [ready] }), false);
    expect(result).toMatchObject({ outcome: 'blocked', faultKey: 3, expected: 'blocked', asExpected: true, shown: 'BLOCKED (SIGSEGV, key 3)' });
  });

  it('a SIGSEGV without the report is an error, not a block', () => {
    const result = judgeAttempt({ tenant: 0, target: 1 }, child({ signal: 'SIGSEGV', messages: [ready] }), false);
    expect(result).toMatchObject({ outcome: 'error', asExpected: false });
    expect(result.shown).toMatch(/^ERROR: SIGSEGV without a protection-key report/);
  });

  it('a fault naming another key is not as the keys predict', () => {
    const result = judgeAttempt({ tenant: 0, target: 1 }, child({ signal: 'SIGSEGV', stderr: FAULT.replace('key=3', 'key=5'), messages: [ready] }), false);
    expect(result).toMatchObject({ outcome: 'blocked', faultKey: 5, asExpected: false });
  });

  it('a neighbour read that succeeds is unexpected with the right mask, expected with --broken-mask', () => {
    const run = child({ status: 0, messages: [ready, { stage: 'read', value: secretOf(1) }] });
    expect(judgeAttempt({ tenant: 0, target: 1 }, run, false)).toMatchObject({ outcome: 'read', expected: 'blocked', asExpected: false });
    expect(judgeAttempt({ tenant: 0, target: 1 }, run, true)).toMatchObject({ outcome: 'read', expected: 'read', asExpected: true, shown: `read ok: "${secretOf(1)}"` });
  });

  it('renders the table with the relation of reader and slot', () => {
    const results = [
      judgeAttempt({ tenant: 0, target: 1 }, child({ signal: 'SIGSEGV', stderr: FAULT, messages: [ready] }), false),
      judgeAttempt({ tenant: 1, target: 1 }, child({ status: 0, messages: [{ stage: 'ready', slotKey: 3, targetKey: 3 }, { stage: 'read', value: secretOf(1) }] }), false),
    ];
    const text = renderAttempts(results, 8);
    expect(text.split('\n')[0]).toMatch(/^tenant\s+slot key\s+reads slot\s+target key\s+outcome$/);
    expect(text).toMatch(/^0\s+2\s+1 \(neighbour\)\s+3\s+BLOCKED \(SIGSEGV, key 3\)$/m);
    expect(text).toMatch(/^1\s+3\s+1 \(its own\)\s+3\s+read ok: "tenant-1-birch"$/m);
  });

  it('prints durations without exponents', () => {
    expect(duration(17_800_000)).toBe('17.8 ms');
    expect(duration(483_123)).toBe('483 µs');
    expect(duration(12.345)).toBe('12.3 ns');
  });
});

describe('parseSmapsKeys', () => {
  it('lists mappings whose key is not 0, with perms and name', () => {
    const smaps = [
      '55d0c0000000-55d0c0001000 r--p 00000000 08:01 1234 /usr/bin/node',
      'ProtectionKey:         0',
      '603e235e000-603e235f000 rwxp 00000000 00:00 0 ',
      'Size:                  4 kB',
      'ProtectionKey:         1',
      '7f00-8000 rw-p 00000000 00:00 0 [stack]',
      'ProtectionKey:         0',
    ].join('\n');
    expect(parseSmapsKeys(smaps)).toEqual({ reported: true, mappings: [{ key: 1, range: '603e235e000-603e235f000', perms: 'rwxp', name: '' }] });
    expect(parseSmapsKeys('55d0c0000000-55d0c0001000 r--p 00000000 08:01 1234 /usr/bin/node\nSize: 4 kB\n')).toEqual({ reported: false, mappings: [] });
  });
});

describe('cpuOrigin', () => {
  it('labels the PKU guest and a QEMU TCG CPU as emulated, anything else as this machine', () => {
    expect(cpuOrigin({ MPK_IN_GUEST: '1' }, '')).toMatchObject({ emulated: true });
    expect(cpuOrigin({}, 'model name\t: QEMU TCG CPU version 2.5+\n')).toMatchObject({ emulated: true, model: 'QEMU TCG CPU version 2.5+' });
    expect(cpuOrigin({}, 'model name\t: AMD EPYC\n')).toEqual({ emulated: false, label: "this machine's CPU", model: 'AMD EPYC' });
  });
});

describe('parseCommandLine', () => {
  it('parses the commands and the hidden child commands', () => {
    expect(parseCommandLine(['doctor'])).toEqual({ command: 'doctor', json: false });
    expect(parseCommandLine(['doctor', '--json'])).toEqual({ command: 'doctor', json: true });
    expect(parseCommandLine(['demo'])).toEqual({ command: 'demo', tenants: 8, brokenMask: false });
    expect(parseCommandLine(['demo', '--tenants', '3', '--broken-mask'])).toEqual({ command: 'demo', tenants: 3, brokenMask: true });
    expect(parseCommandLine(['demo', '--tenants=12'])).toMatchObject({ tenants: 12 });
    expect(parseCommandLine(['__child', 'census'])).toEqual({ command: 'child', kind: 'census' });
    expect(parseCommandLine(['__child', 'tenant', '--tenants', '4', '--tenant', '3', '--target', '0'])).toEqual({
      command: 'child',
      kind: 'tenant',
      tenants: 4,
      tenant: 3,
      target: 0,
      brokenMask: false,
    });
  });

  it('refuses what it does not know with a UsageError', () => {
    expect(() => parseCommandLine(['__child', 'tenant', '--tenants', '4', '--tenant', '4', '--target', '0'])).toThrow(UsageError);
    expect(() => parseCommandLine(['demo', '--tenants', '1.5'])).toThrow(/whole number/);
    expect(() => parseCommandLine(['doctor', '--json=yes'])).toThrow(UsageError);
  });
});

describe('renderDoctor', () => {
  /** What a PKU machine running Node 20 reports (shape taken from a guest run). */
  const usable: DoctorReport = {
    verdict: { usable: true, line: 'mpk: protection keys are usable here (14 keys free)', reason: 'PKU and OSPKE are set and the kernel hands out keys' },
    platform: { os: 'linux', arch: 'x64', node: 'v20.20.2', v8: '11.3', kernel: '6.1.0-57-amd64' },
    implementation: { name: 'enabled', reason: 'linux/x64 and the native addons of mpk-sys and mpk-pkru loaded' },
    support: { supported: true, reason: 'PKU and OSPKE are set and the kernel hands out keys', missing: null },
    cpu: { vendor: 'GenuineIntel', model: 'QEMU TCG CPU version 2.5+', emulated: true, where: 'a QEMU guest', pku: true, ospke: true, cpuinfo: { pku: true, ospke: true } },
    keys: {
      status: 'counted',
      detail: 'pkey_alloc handed a fresh node process 14 keys',
      free: 14,
      freeIds: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      heldByOthers: [{ key: 1, owner: 'held-by-others', note: 'held by other code in this process: V8' }],
      stoppedBy: 'ENOSPC',
      mappings: [{ key: 1, range: '603e235e000-603e235f000', perms: 'rwxp', name: '' }],
      smapsReportsKeys: true,
    },
    pkru: {
      readable: true,
      detail: "this process's main thread",
      value: 0x55555558,
      hex: '0x55555558',
      described: ['PKRU 0x55555558', ...Array.from({ length: 16 }, (_, key) => `key ${String(key).padStart(2)}  ${key === 0 ? 'rw' : key === 1 ? 'r-  (write-disabled)' : '--  (access-disabled)'}`)].join('\n'),
      keys: Array.from({ length: 16 }, (_, key) => ({
        key,
        rights: (key === 0 ? 0 : key === 1 ? 2 : 1) as 0 | 1 | 2,
        read: key <= 1,
        write: key === 0,
        owner: key === 0 ? 'default' : key === 1 ? 'held-by-others' : 'free',
        note: key === 0 ? 'default key of every mapping' : key === 1 ? 'held by other code' : 'free',
      })),
    },
    enforcement: { status: 'passed', detail: 'it died with SIGSEGV, a protection-key fault on key 2', key: 2, ended: 'SIGSEGV', faultLine: FAULT.replace('key=3', 'key=2'), faultKey: 2 },
    exitCode: 0,
  };

  it('puts the verdict first and lists keys, owners, PKRU and the enforcement result', () => {
    const text = renderDoctor(usable);
    const lines = text.split('\n');
    expect(lines[0]).toBe('mpk: protection keys are usable here (14 keys free)');
    expect(text).toMatch(/^free keys\s+14: 2 3 4 5 6 7 8 9 10 11 12 13 14 15/m);
    expect(text).toMatch(/^held by others\s+key 1: held by other code in this process: V8$/m);
    expect(text).toMatch(/^keys in smaps\s+key 1: 603e235e000-603e235f000 rwxp \(anonymous\)$/m);
    expect(text).toMatch(/^PKRU\s+PKRU 0x55555558: this process's main thread$/m);
    expect(text).toMatch(/^\s+key  1  r-  \(write-disabled\)\s+held by other code$/m);
    expect(text).toMatch(/^\s+key  2  --  \(access-disabled\)\s+free$/m);
    expect(text).toMatch(/^enforcement\s+passed: /m);
    expect(text).toContain('key=2');
  });

  it('a failed check says FAILED', () => {
    const text = renderDoctor({ ...usable, enforcement: { ...usable.enforcement, status: 'failed', detail: 'the read succeeded', faultLine: null } });
    expect(text).toMatch(/^enforcement\s+FAILED: the read succeeded$/m);
  });
});
