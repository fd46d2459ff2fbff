/**
 * The fault reporter on a CPU without PKU. Real SEGV_PKUERR faults need the
 * guest (enforcement.pku.test.ts); here the addon's test hook sends the
 * process a SIGSEGV whose siginfo says SEGV_PKUERR, which the kernel allows
 * for a signal a process sends itself. That exercises the handler's line,
 * its label lookup and its restoring of the previous disposition. Real
 * non-PKU faults (PROT_NONE, a WebAssembly out-of-bounds load) check that
 * everything else still reaches the handler installed before ours.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADD_AND_LOAD_WASM } from '../../../test-support/wasm.js';
import { native } from '../src/binding.js';
import { faultReporterInstalled, installFaultReporter, uninstallFaultReporter } from '../src/index.js';
import { hostHasPku } from './helpers/cpu.js';
import { ending, jsonLines, reporterLines, runFixture } from './helpers/child.js';

const PKRU = hostHasPku() ? '0x[0-9a-f]{8}' : 'unknown';

interface Ready {
  ready: true;
  address: string;
  pid: number;
}

function lineFor(address: bigint, key: number, pid: number, region: string): RegExp {
  const escaped = region.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^mpk: protection key violation: address=0x${address.toString(16)} key=${key} pkru=${PKRU} tid=${pid} region=${escaped}$`,
  );
}

describe('installing and uninstalling in this process', () => {
  afterEach(() => uninstallFaultReporter());

  it('faultReporterInstalled() follows install and uninstall; both are idempotent', () => {
    expect(faultReporterInstalled()).toBe(false);
    installFaultReporter();
    expect(faultReporterInstalled()).toBe(true);
    installFaultReporter();
    expect(faultReporterInstalled()).toBe(true);
    uninstallFaultReporter();
    expect(faultReporterInstalled()).toBe(false);
    uninstallFaultReporter();
    expect(faultReporterInstalled()).toBe(false);
  });
});

describe('a SEGV_PKUERR signal', () => {
  const PAGE = 4096;

  it('writes one line: address, key, pkru, tid and the labelled region with the offset into it', () => {
    const offset = PAGE + 0x68;
    const r = runFixture('synthetic-fault.mjs', {
      reporter: true,
      label: 'wasm heap #3',
      signals: [{ code: 'pku', offset, key: 5 }],
    });
    const ready = jsonLines<Ready>(r)[0]!;
    const address = BigInt(ready.address) + BigInt(offset);
    expect(reporterLines(r.stderr), ending(r)).toHaveLength(1);
    expect(reporterLines(r.stderr)[0]).toMatch(lineFor(address, 5, r.pid, '"wasm heap #3"+0x68'));
  });

  it('outside any labelled range the region is unknown', () => {
    const r = runFixture('synthetic-fault.mjs', {
      reporter: true,
      label: 'second page',
      signals: [{ code: 'pku', offset: 8, key: 11 }],
    });
    const ready = jsonLines<Ready>(r)[0]!;
    expect(reporterLines(r.stderr)[0], ending(r)).toMatch(lineFor(BigInt(ready.address) + 8n, 11, r.pid, 'unknown'));
  });

  it('a label with quotes, a backslash and control characters stays on one line, escaped', () => {
    const r = runFixture('synthetic-fault.mjs', {
      reporter: true,
      label: 'a "b" \\ c\nd\x07',
      signals: [{ code: 'pku', offset: PAGE, key: 2 }],
    });
    expect(reporterLines(r.stderr), ending(r)).toHaveLength(1);
    expect(reporterLines(r.stderr)[0]).toContain('region="a \\"b\\" \\\\ c\\x0ad\\x07"+0x0');
  });

  it('then restores the previous disposition: the next one reaches Node, which dies by SIGSEGV, silently', () => {
    const r = runFixture('synthetic-fault.mjs', {
      reporter: true,
      signals: [
        { code: 'pku', offset: 0, key: 4 },
        { code: 'pku', offset: 0, key: 6 },
      ],
    });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    const lines = reporterLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('key=4');
    // The first signal was survived (nothing faulted) and left the reporter uninstalled.
    expect(jsonLines(r).slice(1)).toEqual([{ sent: 0, installed: false }]);
  });

  it('without the reporter, Node gets it and the process dies by SIGSEGV with no line', () => {
    const r = runFixture('synthetic-fault.mjs', { signals: [{ code: 'pku', offset: 0, key: 4 }] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(reporterLines(r.stderr)).toEqual([]);
  });

  it('after uninstall, likewise: no line, death by SIGSEGV', () => {
    const r = runFixture('synthetic-fault.mjs', {
      reporter: true,
      uninstall: true,
      signals: [{ code: 'pku', offset: 0, key: 4 }],
    });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(reporterLines(r.stderr)).toEqual([]);
  });
});

describe('every other SIGSEGV goes to the handler installed before', () => {
  it('a PROT_NONE read still kills the process by SIGSEGV and prints no line', () => {
    const r = runFixture('fault.mjs', { reporter: true, prot: 'none', steps: ['read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(reporterLines(r.stderr)).toEqual([]);
  });

  it('a non-PKU SEGV code (SEGV_MAPERR) is not reported and still ends the process', () => {
    const r = runFixture('synthetic-fault.mjs', { reporter: true, signals: [{ code: 1, offset: 0, key: 0 }] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(reporterLines(r.stderr)).toEqual([]);
  });

  it.each([false, true])(
    'a WebAssembly out-of-bounds load throws a catchable RuntimeError (reporter installed: %s)',
    (reporter) => {
      const r = runFixture('wasm-trap.mjs', { reporter, wasm: Array.from(ADD_AND_LOAD_WASM) });
      expect(r.signal, ending(r)).toBeNull();
      expect(r.status, ending(r)).toBe(0);
      expect(jsonLines(r)[0]).toMatchObject({
        caught: true,
        name: 'RuntimeError',
        message: expect.stringMatching(/out of bounds/),
        inBounds: 0,
        installed: reporter,
      });
      expect(reporterLines(r.stderr)).toEqual([]);
    },
  );
});

describe('the test hook itself', () => {
  it('is in the binding (and not in the public API)', async () => {
    expect(typeof native!.raiseSegvForTesting).toBe('function');
    expect('raiseSegvForTesting' in (await import('../src/index.js'))).toBe(false);
  });
});
