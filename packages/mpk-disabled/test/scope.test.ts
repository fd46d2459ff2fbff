import { describe, expect, it } from 'vitest';
import { createScopes, ProtectionMask, type MaskRegister } from '../src/index.js';

/** A register in memory that applies masks whole, to watch what scopes do to it. */
function fakeRegister(initial = 0x55555554) {
  const log: string[] = [];
  let value = initial;
  const register: MaskRegister = {
    swap(mask) {
      const previous = value;
      value = mask.value;
      log.push(`swap ${mask.value.toString(16)}`);
      return previous;
    },
    restore(previous) {
      value = previous;
      log.push(`restore ${previous.toString(16)}`);
    },
  };
  return { register, log, get value() { return value; } };
}

describe('withMask', () => {
  it('runs fn under the mask and restores, returning fn’s value', () => {
    const reg = fakeRegister();
    const { withMask } = createScopes(reg.register);
    const seen = withMask(ProtectionMask.zero(), () => reg.value);
    expect(seen).toBe(0xfffffffc);
    expect(reg.value).toBe(0x55555554);
  });
  it('restores when fn throws, and rethrows the same error', () => {
    const reg = fakeRegister();
    const { withMask } = createScopes(reg.register);
    const boom = new Error('boom');
    expect(() => withMask(ProtectionMask.zero(), () => { throw boom; })).toThrow(boom);
    expect(reg.value).toBe(0x55555554);
    expect(reg.log).toEqual(['swap fffffffc', 'restore 55555554']);
  });
  it('refuses async functions and generators before touching the register', () => {
    const reg = fakeRegister();
    const { withMask } = createScopes(reg.register);
    for (const fn of [async () => 1, async function* () {}, function* () {}]) {
      expect(() => withMask(ProtectionMask.zero(), fn as () => unknown)).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
    }
    expect(reg.log).toEqual([]);
  });
  it('refuses a returned promise, with the mask already undone', () => {
    const reg = fakeRegister();
    const { withMask } = createScopes(reg.register);
    const promise = Promise.resolve(1);
    expect(() => withMask(ProtectionMask.zero(), () => promise)).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
    expect(reg.value).toBe(0x55555554);
  });
  it('nests', () => {
    const reg = fakeRegister(0);
    const { withMask } = createScopes(reg.register);
    const inner = ProtectionMask.fromValue(0xfffffff0);
    withMask(ProtectionMask.zero(), () => {
      withMask(inner, () => expect(reg.value).toBe(0xfffffff0));
      expect(reg.value).toBe(0xfffffffc);
    });
    expect(reg.value).toBe(0);
  });
  it('checks its arguments', () => {
    const { withMask } = createScopes(fakeRegister().register);
    expect(() => withMask(0 as never, () => 1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
    expect(() => withMask(ProtectionMask.zero(), 'x' as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
});

describe('enter', () => {
  it('restores on dispose, once', () => {
    const reg = fakeRegister();
    const { enter } = createScopes(reg.register);
    {
      using scope = enter(ProtectionMask.zero());
      expect(reg.value).toBe(0xfffffffc);
      expect(scope.previous.value).toBe(0x55555554);
    }
    expect(reg.value).toBe(0x55555554);
    const scope = enter(ProtectionMask.all());
    scope[Symbol.dispose]();
    scope[Symbol.dispose]();
    expect(reg.log.filter((l) => l.startsWith('restore'))).toHaveLength(2);
  });
  it('restores when the block throws', () => {
    const reg = fakeRegister();
    const { enter } = createScopes(reg.register);
    expect(() => {
      using _scope = enter(ProtectionMask.zero());
      throw new Error('inside');
    }).toThrow('inside');
    expect(reg.value).toBe(0x55555554);
  });
});
