/**
 * Keys enforced by the CPU, in child processes (test/fixtures/fault.mjs): a
 * key allocated with PKEY_DISABLE_ACCESS makes a read die by SIGSEGV; one with
 * PKEY_DISABLE_WRITE lets reads through and kills the write. With the fault
 * reporter installed the death is the same, plus one line on stderr naming
 * the key, the address inside the labelled region and the interrupted
 * thread's PKRU.
 */
import { describe, expect, it } from 'vitest';
import { PKEY_DISABLE_ACCESS, PKEY_DISABLE_WRITE } from '../src/index.js';
import { ending, jsonLines, reporterLines, runFixture } from './helpers/child.js';

interface Ready {
  ready: true;
  key: number;
  address: string;
  offset: number;
  pid: number;
}

const LINE =
  /^mpk: protection key violation: address=0x([0-9a-f]+) key=(\d+) pkru=0x([0-9a-f]{8}) tid=(\d+) region=(.*)$/;

function parseLine(line: string | undefined) {
  const m = LINE.exec(line ?? '');
  expect(m, `not a reporter line: ${line}`).not.toBeNull();
  const [, address, key, pkru, tid, region] = m!;
  return { address: BigInt(`0x${address}`), key: Number(key), pkru: Number.parseInt(pkru!, 16), tid: Number(tid), region };
}

/** A key's two PKRU bits: bit 0 access disable, bit 1 write disable. */
const rightsIn = (pkru: number, key: number) => (pkru >>> (2 * key)) & 3;

describe('PKEY_DISABLE_ACCESS', () => {
  it('control: the same tagged mapping with rights 0 reads and writes fine', () => {
    const r = runFixture('fault.mjs', { rights: 0, reporter: true, steps: ['read', 'write'] });
    expect(r.status, ending(r)).toBe(0);
    expect(jsonLines(r).slice(1)).toEqual([
      { step: 'read', value: 42 },
      { step: 'write', value: 7 },
    ]);
    expect(reporterLines(r.stderr)).toEqual([]);
  });

  it('a read dies by SIGSEGV, silently without the reporter', () => {
    const r = runFixture('fault.mjs', { rights: PKEY_DISABLE_ACCESS, steps: ['read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(jsonLines(r)).toHaveLength(1);
    expect(reporterLines(r.stderr)).toEqual([]);
  });

  it('with the reporter: the same death, and one line with the key, address, region and PKRU', () => {
    const r = runFixture('fault.mjs', { rights: PKEY_DISABLE_ACCESS, reporter: true, label: 'guarded', steps: ['read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    const ready = jsonLines<Ready>(r)[0]!;
    const lines = reporterLines(r.stderr);
    expect(lines, ending(r)).toHaveLength(1);
    const line = parseLine(lines[0]);
    console.log(`reporter line: ${lines[0]}`);
    expect(line.key).toBe(ready.key);
    expect(line.address).toBe(BigInt(ready.address) + BigInt(ready.offset));
    expect(line.region).toBe(`"guarded"+0x${ready.offset.toString(16)}`);
    expect(line.tid).toBe(r.pid);
    expect(rightsIn(line.pkru, ready.key)).toBe(PKEY_DISABLE_ACCESS);
  });
});

describe('PKEY_DISABLE_WRITE', () => {
  it('reads work, the write dies by SIGSEGV', () => {
    const r = runFixture('fault.mjs', { rights: PKEY_DISABLE_WRITE, steps: ['read', 'read', 'write'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(jsonLines(r).slice(1)).toEqual([
      { step: 'read', value: 42 },
      { step: 'read', value: 42 },
    ]);
    expect(reporterLines(r.stderr)).toEqual([]);
  });

  it('with the reporter: key=k, and PKRU as the thread had it (write-disable for k, not the handler\'s default)', () => {
    const r = runFixture('fault.mjs', {
      rights: PKEY_DISABLE_WRITE,
      reporter: true,
      label: 'read-only table',
      offset: 4096 + 16,
      pages: 2,
      steps: ['read', 'write'],
    });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    const ready = jsonLines<Ready>(r)[0]!;
    expect(jsonLines(r).slice(1)).toEqual([{ step: 'read', value: 42 }]);
    const line = parseLine(reporterLines(r.stderr)[0]);
    expect(line.key).toBe(ready.key);
    expect(line.address).toBe(BigInt(ready.address) + 4096n + 16n);
    expect(line.region).toBe('"read-only table"+0x1010');
    // A signal handler runs with the default PKRU (0x55555554: access disabled
    // for keys 1..15); the line must show the interrupted thread's: WD only.
    expect(rightsIn(line.pkru, ready.key)).toBe(PKEY_DISABLE_WRITE);
    expect(rightsIn(line.pkru, 0)).toBe(0);
  });
});

describe('plain mprotect faults under a PKU kernel', () => {
  it('are not protection-key faults: no line with the reporter installed, still SIGSEGV', () => {
    const r = runFixture('fault.mjs', { prot: 'none', reporter: true, steps: ['read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(reporterLines(r.stderr)).toEqual([]);
  });
});
