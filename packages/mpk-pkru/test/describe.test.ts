import { describe as group, expect, it } from 'vitest';
import { decode, describe, KEY_COUNT } from '../src/index.js';

function lines(header: string, keyLines: string[]): string {
  return [header, ...keyLines].join('\n');
}
const OPEN = (k: number) => `key ${String(k).padStart(2)}  rw`;
const READ_ONLY = (k: number) => `key ${String(k).padStart(2)}  r-  (write-disabled)`;
const CLOSED = (k: number) => `key ${String(k).padStart(2)}  --  (access-disabled)`;
const ALL = Array.from({ length: 16 }, (_, k) => k);

group('describe', () => {
  it('0: every key open', () => {
    expect(describe(0)).toBe(lines('PKRU 0x00000000', ALL.map(OPEN)));
  });

  it("0x55555554: the kernel's default, key 0 open and the rest access-disabled", () => {
    expect(describe(0x55555554)).toBe(lines('PKRU 0x55555554', [OPEN(0), ...ALL.slice(1).map(CLOSED)]));
  });

  it("0x55555558: Node's startup value, key 1 write-disabled", () => {
    const text = describe(0x55555558);
    expect(text).toBe(lines('PKRU 0x55555558', [OPEN(0), READ_ONLY(1), ...ALL.slice(2).map(CLOSED)]));
    expect(text.split('\n')[2]).toBe('key  1  r-  (write-disabled)');
  });

  it('0xFFFFFFFF: AD and WD both set reads as access-disabled', () => {
    expect(describe(0xffffffff)).toBe(lines('PKRU 0xFFFFFFFF', ALL.map(CLOSED)));
  });

  it('has one header and sixteen key lines', () => {
    expect(describe(0x12345678).split('\n')).toHaveLength(1 + KEY_COUNT);
  });
});

group('decode', () => {
  it('0: everything readable and writable', () => {
    expect(decode(0)).toEqual(ALL.map((key) => ({ key, rights: 0, read: true, write: true })));
  });

  it('0x55555554', () => {
    const keys = decode(0x55555554);
    expect(keys[0]).toEqual({ key: 0, rights: 0, read: true, write: true });
    for (const k of ALL.slice(1)) expect(keys[k]).toEqual({ key: k, rights: 1, read: false, write: false });
  });

  it('0x55555558', () => {
    const keys = decode(0x55555558);
    expect(keys.slice(0, 3)).toEqual([
      { key: 0, rights: 0, read: true, write: true },
      { key: 1, rights: 2, read: true, write: false },
      { key: 2, rights: 1, read: false, write: false },
    ]);
    expect(keys).toHaveLength(16);
  });

  it('0xFFFFFFFF', () => {
    expect(decode(0xffffffff)).toEqual(ALL.map((key) => ({ key, rights: 3, read: false, write: false })));
  });

  it('agrees with describe for a mixed value', () => {
    const pkru = 0b10_01_00_11_10_01_00_11_10_01_00_11_10_01_00_11;
    const text = describe(pkru).split('\n').slice(1);
    for (const { key, read, write } of decode(pkru)) {
      expect(text[key]).toMatch(new RegExp(`^key +${key}  ${read ? 'r' : '-'}${write ? 'w' : '-'}`));
    }
  });
});
