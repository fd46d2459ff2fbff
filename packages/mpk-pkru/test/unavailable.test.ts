/**
 * Where the OS has not enabled protection keys (this AMD host has no PKU at
 * all), RDPKRU/WRPKRU would raise SIGILL. The point of these tests is that
 * nothing in this package ever executes them there: every entry point throws
 * ERR_MPK_PKRU_UNAVAILABLE, and a process that calls them (even straight
 * into the addon, past the TypeScript checks) ends normally, not by signal.
 */
import { describe as group, expect, it } from 'vitest';
import { hasCpuidBitSet, MpkError, read, update, write } from '../src/index.js';
import { ending, HOST_HAS_OSPKE, runNode } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MpkError);
    return (err as MpkError).code;
  }
  return undefined;
}

group.runIf(!HOST_HAS_OSPKE)('without OSPKE', () => {
  it('read(), write() and update() throw ERR_MPK_PKRU_UNAVAILABLE', () => {
    expect(codeOf(() => read())).toBe('ERR_MPK_PKRU_UNAVAILABLE');
    expect(codeOf(() => write(0x55555554))).toBe('ERR_MPK_PKRU_UNAVAILABLE');
    expect(codeOf(() => update(0, 0xc0000000))).toBe('ERR_MPK_PKRU_UNAVAILABLE');
  });

  it('the message says which of PKU and OSPKE is missing', () => {
    const expected = hasCpuidBitSet() ? /^Cannot write PKRU: OSPKE is missing: / : /^Cannot write PKRU: PKU is missing: /;
    expect(() => write(0)).toThrow(expected);
    expect(() => read()).toThrow(/^Cannot read PKRU: /);
    expect(() => update(0, 0)).toThrow(/^Cannot update PKRU: /);
  });

  it('a child process calling them through the package exits normally, not with SIGILL', () => {
    const script = `
      const pkru = require('mpk-pkru');
      const codes = [];
      for (const call of [() => pkru.read(), () => pkru.write(0), () => pkru.update(0, 3)]) {
        try { call(); codes.push('returned'); } catch (err) { codes.push(err.code); }
      }
      console.log(JSON.stringify(codes));
    `;
    const r = runNode(['-e', script]);
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['ERR_MPK_PKRU_UNAVAILABLE', 'ERR_MPK_PKRU_UNAVAILABLE', 'ERR_MPK_PKRU_UNAVAILABLE']);
  });

  it('the addon itself refuses when called directly, past the TypeScript layer', () => {
    // binding.cjs is the raw addon: no validation, no swapped-in functions.
    const script = `
      const { binding, error } = require('./binding.cjs');
      if (!binding) throw error;
      const codes = [];
      for (const call of [() => binding.read(), () => binding.write(0), () => binding.update(0, 3),
                          () => binding.update(), () => binding.write()]) {
        try { call(); codes.push('returned'); } catch (err) { codes.push(err.code); }
      }
      console.log(JSON.stringify(codes));
    `;
    const r = runNode(['-e', script]);
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(Array(5).fill('ERR_MPK_PKRU_UNAVAILABLE'));
  });

  it('an uncaught refusal ends the child with an exception (exit 1), not a signal', () => {
    for (const call of ['read()', 'write(0)', 'update(0, 3)']) {
      const r = runNode(['-e', `require('./binding.cjs').binding.${call}`]);
      expect(r.signal, ending(r)).toBeNull();
      expect(r.status, ending(r)).toBe(1);
      expect(r.stderr).toContain('ERR_MPK_PKRU_UNAVAILABLE');
    }
  });
});
