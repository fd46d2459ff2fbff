import { describe as group, expect, it } from 'vitest';
import { decode, describe, keyBits, MpkError, rights, update, withRights, write } from '../src/index.js';

type Code = 'ERR_MPK_INVALID_ARGUMENT' | 'ERR_MPK_OUT_OF_RANGE';

function expectMpkError(fn: () => unknown, code: Code, name: string, value: unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a throw').toBeInstanceOf(MpkError);
  const err = thrown as MpkError;
  expect(err.code).toBe(code);
  expect(err.name).toBe('MpkError');
  expect(err.message).toContain(`"${name}"`);
  expect(Object.is(err.value, value) || (Number.isNaN(err.value) && Number.isNaN(value))).toBe(true);
}

/** Not an integer at all: wrong type, NaN, fractions, infinities. */
const INVALID: unknown[] = ['1', '0x10', null, undefined, true, 1n, {}, [], Symbol('k'), () => 0, NaN, 0.5, 1.5, -0.5, Infinity, -Infinity];

const PKRU_OUT_OF_RANGE = [-1, -0x80000000, 0x100000000, 2 ** 53, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
const KEY_OUT_OF_RANGE = [-1, 16, 17, 32, 0x100000000];
const RIGHTS_OUT_OF_RANGE = [-1, 4, 8, 0xffffffff];

// The functions under test are typed; the tests pass what JavaScript callers might.
const anyFn = <F>(f: F) => f as any;

group('pkru arguments (rights, withRights, describe, decode, write, update)', () => {
  const takesPkru: Array<[string, string, (v: unknown) => unknown]> = [
    ['rights', 'pkru', (v) => anyFn(rights)(v, 0)],
    ['withRights', 'pkru', (v) => anyFn(withRights)(v, 0, 0)],
    ['describe', 'pkru', (v) => anyFn(describe)(v)],
    ['decode', 'pkru', (v) => anyFn(decode)(v)],
    ['write', 'value', (v) => anyFn(write)(v)],
    ['update(value)', 'value', (v) => anyFn(update)(v, 0)],
    ['update(ownedBits)', 'ownedBits', (v) => anyFn(update)(0, v)],
  ];
  for (const [fn, name, call] of takesPkru) {
    it(`${fn}: ERR_MPK_INVALID_ARGUMENT for non-integers`, () => {
      for (const v of INVALID) expectMpkError(() => call(v), 'ERR_MPK_INVALID_ARGUMENT', name, v);
    });
    it(`${fn}: ERR_MPK_OUT_OF_RANGE outside 0..0xFFFFFFFF`, () => {
      for (const v of PKRU_OUT_OF_RANGE) expectMpkError(() => call(v), 'ERR_MPK_OUT_OF_RANGE', name, v);
    });
  }
});

group('key arguments (keyBits, rights, withRights)', () => {
  const takesKey: Array<[string, (v: unknown) => unknown]> = [
    ['keyBits', (v) => anyFn(keyBits)(v)],
    ['rights', (v) => anyFn(rights)(0, v)],
    ['withRights', (v) => anyFn(withRights)(0, v, 0)],
  ];
  for (const [fn, call] of takesKey) {
    it(`${fn}: ERR_MPK_INVALID_ARGUMENT for non-integers`, () => {
      for (const v of INVALID) expectMpkError(() => call(v), 'ERR_MPK_INVALID_ARGUMENT', 'key', v);
    });
    it(`${fn}: ERR_MPK_OUT_OF_RANGE outside 0..15`, () => {
      for (const v of KEY_OUT_OF_RANGE) expectMpkError(() => call(v), 'ERR_MPK_OUT_OF_RANGE', 'key', v);
    });
  }
});

group('rights argument (withRights)', () => {
  it('ERR_MPK_INVALID_ARGUMENT for non-integers', () => {
    for (const v of INVALID) expectMpkError(() => anyFn(withRights)(0, 0, v), 'ERR_MPK_INVALID_ARGUMENT', 'rights', v);
  });
  it('ERR_MPK_OUT_OF_RANGE outside 0..3', () => {
    for (const v of RIGHTS_OUT_OF_RANGE) expectMpkError(() => withRights(0, 0, v), 'ERR_MPK_OUT_OF_RANGE', 'rights', v);
  });
});

group('error messages', () => {
  it('name the argument, the allowed range and the value received', () => {
    expect(() => rights(0, 16)).toThrow('The "key" argument must be from 0 to 15; received 16 (0x10)');
    expect(() => withRights(0, 0, 4)).toThrow('The "rights" argument must be from 0 to 3; received 4 (0x4)');
    expect(() => describe(-1)).toThrow('The "pkru" argument must be from 0 to 0xFFFFFFFF; received -1');
    expect(() => anyFn(keyBits)('3')).toThrow('The "key" argument must be an integer from 0 to 15; received "3" (a string)');
    expect(() => anyFn(write)(NaN)).toThrow('The "value" argument must be an integer from 0 to 0xFFFFFFFF; received NaN');
  });

  it('checks the arguments in order: the first bad one is reported', () => {
    expectMpkError(() => anyFn(withRights)(-1, 99, 'x'), 'ERR_MPK_OUT_OF_RANGE', 'pkru', -1);
    expectMpkError(() => anyFn(withRights)(0, 99, 'x'), 'ERR_MPK_OUT_OF_RANGE', 'key', 99);
    expectMpkError(() => anyFn(update)(0.5, 'x'), 'ERR_MPK_INVALID_ARGUMENT', 'value', 0.5);
  });

  it('MpkError is an Error with a stack', () => {
    try {
      keyBits(16);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).stack).toContain('MpkError');
    }
  });
});
