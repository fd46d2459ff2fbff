import { describe as group, expect, it } from 'vitest';
import { available, cpuVendor, hasCpuidBitSet, noop, osEnabled, unavailableReason } from '../src/index.js';
import { cpuinfo } from './helpers.js';

// Linux lists `pku` and `ospke` in /proc/cpuinfo from the same CPUID bits
// (and drops `pku` when it refuses to use it, e.g. booted with `nopku`;
// neither this host nor the guest is set up that way).
const x86Linux = process.platform === 'linux' && process.arch === 'x64';

group('the binding', () => {
  it('loads here, with no reason given', () => {
    expect(unavailableReason).toBeNull();
    expect(available).toBe(true);
  });

  it('noop() is callable and returns undefined, PKU or not', () => {
    expect(noop()).toBeUndefined();
  });
});

group.runIf(x86Linux)('CPUID against /proc/cpuinfo', () => {
  const info = cpuinfo();

  it(`hasCpuidBitSet() matches the "pku" flag (${info.flags.has('pku')})`, () => {
    expect(hasCpuidBitSet()).toBe(info.flags.has('pku'));
  });

  it(`osEnabled() matches the "ospke" flag (${info.flags.has('ospke')})`, () => {
    expect(osEnabled()).toBe(info.flags.has('ospke'));
  });

  it(`cpuVendor() matches vendor_id (${info.vendor})`, () => {
    expect(info.vendor).not.toBe('');
    expect(cpuVendor()).toBe(info.vendor);
  });

  it('OSPKE never shows without PKU', () => {
    if (osEnabled()) expect(hasCpuidBitSet()).toBe(true);
    expect(typeof osEnabled()).toBe('boolean');
  });
});

group.runIf(process.arch !== 'x64')('off x86-64', () => {
  it('reports no PKU where PKRU does not exist', () => {
    expect(hasCpuidBitSet()).toBe(false);
    expect(osEnabled()).toBe(false);
    expect(cpuVendor()).toBe('');
  });
});
