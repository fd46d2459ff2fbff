/**
 * Real enforcement: a child process tags a page with a key it allocated
 * (through mpk-sys), changes PKRU through this package and touches the page.
 * If write() or update() did not really execute WRPKRU, the "deny" children
 * would survive and these tests would fail: this is what proves the register
 * writes take effect.
 */
import { join } from 'node:path';
import { describe as group, expect, it } from 'vitest';
import { ending, FIXTURES, runNode } from './helpers.js';

function child(mode: string) {
  const r = runNode([join(FIXTURES, 'enforce.mjs'), mode]);
  return { ...r, lines: r.stdout.trim().split('\n') };
}

group('PKRU really gates access to a tagged page', () => {
  it('baseline: after pkey_alloc(0, 0) the page can be read and written', () => {
    const r = child('baseline');
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    expect(r.lines).toContain('read 42');
    expect(r.lines).toContain('survived');
    expect(r.lines[0]).toMatch(/^key ([2-9]|1[0-5]) pkru 0x/);
  });

  it('update() setting AD: a read from the page dies with SIGSEGV', () => {
    const r = child('deny-read-update');
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(r.lines.at(-1), ending(r)).toMatch(/^armed /);
    expect(r.stdout).not.toContain('read 42');
  });

  it('write() setting AD: a read from the page dies with SIGSEGV', () => {
    const r = child('deny-read-write');
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(r.lines.at(-1), ending(r)).toMatch(/^armed /);
    expect(r.stdout).not.toContain('read 42');
  });

  it('WD set: the read works, the write dies with SIGSEGV', () => {
    const r = child('deny-write');
    expect(r.signal, ending(r)).toBe('SIGSEGV');
    expect(r.lines.at(-1), ending(r)).toBe('read 42');
    expect(r.stdout).not.toContain('wrote');
  });

  it('AD set and cleared again: read and write work', () => {
    const r = child('cleared');
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    expect(r.lines.slice(-3)).toEqual(['read 42', 'wrote 7', 'survived']);
  });

  it("AD set: the kernel honours it too, write(2) from the page fails with EFAULT", () => {
    const r = child('efault');
    expect(r.signal, ending(r)).toBeNull();
    expect(r.status, ending(r)).toBe(0);
    expect(r.lines.at(-1)).toBe('efault denied=EFAULT allowed=1');
  });
});
