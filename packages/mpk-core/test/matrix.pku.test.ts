/**
 * The enforcement matrix (issue 9): for every key this process can get, every
 * rights value and both operations, a child process makes the access, and the
 * outcome must be what the PKRU bits say: the access works, or the child gets
 * SIGSEGV with si_code SEGV_PKUERR, si_pkey = that key and si_addr = the byte.
 *
 * A Node child per case would cost seconds each under emulation, so the
 * children are forks made by mpk-sys's probeAccess(): a copy of this thread
 * (its PKRU included) and of its memory (keys included) that makes the one
 * access in C. A few real Node children at the end check the probe against
 * real process deaths under the same PKRU.
 *
 * Everything here uses the raw layers (mpk-sys for keys and memory, mpk-pkru
 * for the register), one key's bits at a time, and puts the register back
 * after every case.
 */
import { fileURLToPath } from 'node:url';
import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { afterAll, describe, expect, it } from 'vitest';
import { ending, jsonLines } from '../../../test-support/child.js';
import { runNode } from '../../../test-support/child.js';
import { reportNumbers } from '../../../test-support/reliability.js';
import { readSmaps } from '../../../test-support/smaps.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const PAGE = sys.pageSize();
const RW = sys.PROT_READ | sys.PROT_WRITE;

const RIGHTS = [
  { name: 'none', value: 0 },
  { name: 'write-disabled', value: pkru.PKEY_DISABLE_WRITE },
  { name: 'access-disabled', value: pkru.PKEY_DISABLE_ACCESS },
  { name: 'both', value: pkru.PKEY_DISABLE_ACCESS | pkru.PKEY_DISABLE_WRITE },
] as const;
const OPERATIONS = ['read', 'write'] as const;

/** Every key pkey_alloc hands this process, with rights 0 on this thread. */
function allocateAll(): number[] {
  const keys: number[] = [];
  for (;;) {
    try {
      keys.push(sys.pkeyAlloc(0, 0));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOSPC') return keys;
      throw error;
    }
  }
}

const keys = allocateAll();
/** One mapping, page i tagged with keys[i]. */
const slab = sys.mmap(keys.length * PAGE);
const pages = keys.map((key, i) => {
  const page = new Uint8Array(slab, i * PAGE, PAGE);
  page.fill(key);
  sys.pkeyMprotect(page, RW, key);
  return page;
});

afterAll(() => {
  sys.munmap(slab);
  for (const key of keys) sys.pkeyFree(key);
});

interface Case {
  key: number;
  rights: (typeof RIGHTS)[number];
  operation: (typeof OPERATIONS)[number];
  expected: 'ok' | 'fault';
  got: sys.ProbeResult;
  offset: number;
  matched: boolean;
}

describe('the enforcement matrix', () => {
  it('allocates every key the process can get and tags one page with each', () => {
    // 15 keys exist; Node's V8 holds one (key 1) in Node 20; the rest are ours.
    expect(keys.length).toBeGreaterThanOrEqual(13);
    expect(new Set(keys).size).toBe(keys.length);
    const smaps = readSmaps();
    keys.forEach((key, i) => {
      const address = sys.addressOf(pages[i]!);
      const entry = smaps.find((e) => e.start <= address && address < e.end);
      expect(entry?.protectionKey, `page ${i}`).toBe(key);
    });
  });

  it(`every key x rights x operation: the probe's outcome is what PKRU says`, () => {
    const cases: Case[] = [];
    const started = performance.now();
    for (const [i, key] of keys.entries()) {
      const owned = pkru.keyBits(key);
      for (const rights of RIGHTS) {
        for (const operation of OPERATIONS) {
          // A different byte each time, so si_addr is checked to the byte.
          const offset = (key * 97 + rights.value * 31 + (operation === 'write' ? 7 : 0)) % PAGE;
          const previous = pkru.update(pkru.withRights(0, key, rights.value), owned);
          let got: sys.ProbeResult;
          let inForce: number;
          try {
            inForce = pkru.read();
            got = sys.probeAccess(pages[i]!, offset, operation);
          } finally {
            pkru.update(previous, owned);
          }
          expect(pkru.rights(inForce, key)).toBe(rights.value);
          const denied = operation === 'read' ? (rights.value & pkru.PKEY_DISABLE_ACCESS) !== 0 : rights.value !== 0;
          const expected = denied ? 'fault' : 'ok';
          const address = sys.addressOf(pages[i]!) + BigInt(offset);
          const matched =
            expected === 'ok'
              ? got.outcome === 'ok'
              : got.outcome === 'fault' && got.signal === 'SIGSEGV' && got.code === sys.SEGV_PKUERR && got.pkey === key && got.address === address;
          cases.push({ key, rights, operation, expected, got, offset, matched });
        }
      }
    }
    const matched = cases.filter((c) => c.matched).length;
    const seconds = (performance.now() - started) / 1000;
    reportNumbers('matrix', `matrix: ${cases.length} cases, ${matched} matched (${keys.length} keys x 4 rights x 2 operations, ${seconds.toFixed(1)} s)`, {
      cases: cases.length,
      matched,
      keys: keys.length,
    });
    const mismatches = cases
      .filter((c) => !c.matched)
      .map((c) => `key ${c.key} ${c.rights.name} ${c.operation}: expected ${c.expected}, got ${JSON.stringify(c.got, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`);
    expect(mismatches).toEqual([]);
    expect(cases.length).toBe(keys.length * 8);
    // The faults were the children's: this thread's memory is intact and the data unchanged.
    pages.forEach((page, i) => expect(page.every((byte) => byte === keys[i])).toBe(true));
  });
});

/**
 * The probe against the real thing. Each child allocates keys, tags a page
 * and sets the rights, then for each step asks probeAccess() and makes the
 * same access itself, printing a line before and after. A step the probe
 * calls a fault must kill the child with SIGSEGV (the fault reporter naming
 * the key); a step it calls ok must complete.
 */
function realChild(keyIndex: number, rights: number, steps: readonly ('read' | 'write')[]) {
  return runNode(
    `
    import * as sys from 'mpk-sys';
    import * as pkru from 'mpk-pkru';
    sys.installFaultReporter();
    const keys = [];
    while (keys.length <= ${keyIndex}) keys.push(sys.pkeyAlloc(0, 0));
    const key = keys[${keyIndex}];
    const buffer = sys.mmap(${PAGE});
    const view = new Uint8Array(buffer);
    view[8] = 42;
    sys.pkeyMprotect(buffer, sys.PROT_READ | sys.PROT_WRITE, key);
    pkru.update(pkru.withRights(0, key, ${rights}), pkru.keyBits(key));
    for (const op of ${JSON.stringify(steps)}) {
      const probe = sys.probeAccess(buffer, 8, op);
      console.log(JSON.stringify({ key, op, probe: probe.outcome, code: probe.code, pkey: probe.pkey }));
      if (op === 'read') console.log(JSON.stringify({ key, op, done: view[8] }));
      else { view[8] = 7; console.log(JSON.stringify({ key, op, done: view[8] })); }
    }
    `,
    { cwd: packageDir },
  );
}

interface Line {
  key: number;
  op: string;
  probe?: string;
  code?: number | null;
  pkey?: number | null;
  done?: number;
}

describe('the probe agrees with real process deaths', () => {
  it('write-disabled: the read works in both, the write faults in the probe and kills the real child', () => {
    const child = realChild(3, pkru.PKEY_DISABLE_WRITE, ['read', 'write']);
    const lines = jsonLines<Line>(child);
    const key = lines[0]?.key;
    expect(lines, ending(child)).toEqual([
      { key, op: 'read', probe: 'ok', code: null, pkey: null },
      { key, op: 'read', done: 42 },
      { key, op: 'write', probe: 'fault', code: sys.SEGV_PKUERR, pkey: key },
    ]);
    expect(child.signal, ending(child)).toBe('SIGSEGV');
    expect(child.stderr).toMatch(new RegExp(`protection key violation: .*key=${key}\\b`));
  });

  it('access-disabled: the read faults in the probe and kills the real child', () => {
    const child = realChild(7, pkru.PKEY_DISABLE_ACCESS, ['read']);
    const lines = jsonLines<Line>(child);
    const key = lines[0]?.key;
    expect(lines, ending(child)).toEqual([{ key, op: 'read', probe: 'fault', code: sys.SEGV_PKUERR, pkey: key }]);
    expect(child.signal, ending(child)).toBe('SIGSEGV');
    expect(child.stderr).toMatch(new RegExp(`protection key violation: .*key=${key}\\b`));
  });

  it('both bits: the write faults in the probe and kills the real child', () => {
    const child = realChild(12, pkru.PKEY_DISABLE_ACCESS | pkru.PKEY_DISABLE_WRITE, ['write']);
    const lines = jsonLines<Line>(child);
    const key = lines[0]?.key;
    expect(lines, ending(child)).toEqual([{ key, op: 'write', probe: 'fault', code: sys.SEGV_PKUERR, pkey: key }]);
    expect(child.signal, ending(child)).toBe('SIGSEGV');
  });
});
