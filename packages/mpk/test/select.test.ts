import { describe, expect, it } from 'vitest';
import { chooseImplementation } from '../src/select.js';

const linux = { platform: 'linux', arch: 'x64', env: {}, nativeLoadError: null };

describe('chooseImplementation', () => {
  it('picks enabled on linux/x64 when the native addons load', () => {
    expect(chooseImplementation(linux)).toEqual({ implementation: 'enabled', reason: expect.stringContaining('linux/x64') });
  });
  it('MPK_DISABLE=1 forces disabled, and says so', () => {
    expect(chooseImplementation({ ...linux, env: { MPK_DISABLE: '1' } })).toEqual({ implementation: 'disabled', reason: 'MPK_DISABLE=1 is set' });
    expect(chooseImplementation({ ...linux, env: { MPK_DISABLE: '0' } }).implementation).toBe('enabled');
  });
  it('other platforms and architectures get disabled with the platform named', () => {
    for (const [platform, arch] of [['darwin', 'arm64'], ['win32', 'x64'], ['linux', 'arm64'], ['freebsd', 'x64']]) {
      const choice = chooseImplementation({ ...linux, platform: platform as string, arch: arch as string });
      expect(choice.implementation).toBe('disabled');
      expect(choice.reason).toContain(`${platform}/${arch}`);
    }
  });
  it('a native addon that did not load gives disabled with its error', () => {
    const choice = chooseImplementation({ ...linux, nativeLoadError: 'mpk-sys: No native build was found' });
    expect(choice).toEqual({ implementation: 'disabled', reason: expect.stringContaining('No native build was found') });
  });
});

describe('chooseImplementation input checks', () => {
  it('refuses malformed input with a typed error', () => {
    for (const input of [null, 3, { ...linux, env: null }, { ...linux, platform: Symbol('x') }, { ...linux, arch: {} }, { ...linux, nativeLoadError: 5 }]) {
      expect(() => chooseImplementation(input as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    }
  });
});
