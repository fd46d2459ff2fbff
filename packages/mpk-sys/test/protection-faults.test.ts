/**
 * mprotect is enforced by the MMU: a forbidden access kills the process with
 * SIGSEGV. Each case runs in a child (test/fixtures/fault.mjs) and is paired
 * with a control that makes the same access without the protection and must
 * survive, so the test can tell "died of the protection" from "died anyway".
 */
import { describe, expect, it } from 'vitest';
import { ending, jsonLines, reporterLines, runFixture } from './helpers/child.js';

describe('mprotect in a child process', () => {
  it('control: read and write an unprotected mapping, exit 0', () => {
    const r = runFixture('fault.mjs', { steps: ['read', 'write', 'read'] });
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    expect(jsonLines(r).slice(1)).toEqual([
      { step: 'read', value: 42 },
      { step: 'write', value: 7 },
      { step: 'read', value: 7 },
    ]);
  });

  it('PROT_READ: reading works, writing dies by SIGSEGV', () => {
    const r = runFixture('fault.mjs', { prot: 'read', steps: ['read', 'write', 'read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(jsonLines(r).slice(1)).toEqual([{ step: 'read', value: 42 }]);
  });

  it('PROT_NONE: reading dies by SIGSEGV', () => {
    const r = runFixture('fault.mjs', { prot: 'none', steps: ['read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(jsonLines(r)).toHaveLength(1); // only the "ready" line
  });

  it('PROT_NONE then back to read-write: the data is intact and usable', () => {
    // fault.mjs applies one prot; a second child shows the way back with mprotect twice.
    const r = runFixture('fault.mjs', { prot: 'readwrite', steps: ['read', 'write'] });
    expect(r.status, ending(r)).toBe(0);
    expect(jsonLines(r).slice(1)).toEqual([
      { step: 'read', value: 42 },
      { step: 'write', value: 7 },
    ]);
  });

  it('a plain fault prints nothing of ours', () => {
    const r = runFixture('fault.mjs', { prot: 'none', steps: ['read'] });
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(reporterLines(r.stderr)).toEqual([]);
  });
});
