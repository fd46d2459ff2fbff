import { describe, expect, it } from 'vitest';
import { ownBits, ownedBits, switcher } from '../src/index.js';
import { cpuFlags } from '../../../test-support/cpu.js';

describe('prepared switches (host)', () => {
  it('check their arguments before any native call', () => {
    for (const [value, code] of [[-1, 'ERR_MPK_OUT_OF_RANGE'], [2 ** 32, 'ERR_MPK_OUT_OF_RANGE'], [1.5, 'ERR_MPK_INVALID_ARGUMENT'], ['3', 'ERR_MPK_INVALID_ARGUMENT'], [Number.NaN, 'ERR_MPK_INVALID_ARGUMENT']] as const) {
      expect(() => switcher(value as number)).toThrow(expect.objectContaining({ code }));
      expect(() => ownBits(value as number)).toThrow(expect.objectContaining({ code }));
    }
  });

  it('the owned set only grows', () => {
    const before = ownedBits();
    expect(ownBits(0b1100 << 4)).toBe((before | (0b1100 << 4)) >>> 0);
    expect(ownBits(0)).toBe(ownedBits());
    expect(ownedBits() & (0b1100 << 4)).toBe(0b1100 << 4);
  });

  it.runIf(!cpuFlags().has('ospke'))('without OSPKE a switch throws instead of executing WRPKRU', () => {
    const apply = switcher(0xfffffffc);
    expect(() => apply()).toThrow(expect.objectContaining({ code: 'ERR_MPK_PKRU_UNAVAILABLE' }));
  });
});
