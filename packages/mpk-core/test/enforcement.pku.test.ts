import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNode } from '../../../test-support/child.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each case runs in a child: it tags a page with a key, applies a mask and
 * reads the page. A denied read must kill the child with SIGSEGV, and the
 * fault reporter must name the key (si_code SEGV_PKUERR, si_pkey).
 */
function readUnder(maskExpression: string) {
  return runNode(
    `
    import * as mpk from 'mpk-core';
    import * as sys from 'mpk-sys';
    sys.installFaultReporter();
    const [key] = mpk.keys(2);
    const region = mpk.allocate(4096, { label: 'secret' });
    new Uint8Array(region.buffer)[8] = 42;
    key.protect(region);
    console.log('key ' + key.id);
    const other = mpk.keys(2)[1];
    mpk.allow(${maskExpression});
    const value = new Uint8Array(region.buffer)[8];
    mpk.allow(mpk.ProtectionMask.all());
    console.log('read ' + value);
    `,
    { cwd: packageDir },
  );
}

describe('allow() under real enforcement', () => {
  it('with allow(zero()) a read dies with SIGSEGV, reported as that key', () => {
    const child = readUnder('mpk.ProtectionMask.zero()');
    const key = /key (\d+)/.exec(child.stdout)?.[1];
    expect(child.signal).toBe('SIGSEGV');
    expect(child.stdout).not.toContain('read');
    expect(child.stderr).toMatch(new RegExp(`protection key violation: .*key=${key}\\b.*region="secret"\\+0x8`));
  });

  it('with allow(zero().or(key)) the read works', () => {
    const child = readUnder('mpk.ProtectionMask.zero().or(key)');
    expect(child.signal).toBeNull();
    expect(child.stdout).toContain('read 42');
  });

  it("with only another key allowed the read dies", () => {
    const child = readUnder('mpk.ProtectionMask.zero().or(other)');
    expect(child.signal).toBe('SIGSEGV');
  });

  it('allow(all()) after zero() restores access', () => {
    const child = runNode(
      `
      import * as mpk from 'mpk-core';
      const [key] = mpk.keys(1);
      const region = mpk.allocate(4096);
      new Uint8Array(region.buffer)[0] = 7;
      key.protect(region);
      mpk.allow(mpk.ProtectionMask.zero());
      mpk.allow(mpk.ProtectionMask.all());
      console.log('read ' + new Uint8Array(region.buffer)[0]);
      `,
      { cwd: packageDir },
    );
    expect(child.stdout).toContain('read 7');
    expect(child.signal).toBeNull();
  });

  it('withMask denies inside and restores after a throw', () => {
    const child = runNode(
      `
      import * as mpk from 'mpk-core';
      const [key] = mpk.keys(1);
      const region = mpk.allocate(4096);
      key.protect(region);
      try { mpk.withMask(mpk.ProtectionMask.zero(), () => { throw new Error('x'); }); } catch {}
      console.log('after throw ' + new Uint8Array(region.buffer)[0]);
      mpk.withMask(mpk.ProtectionMask.zero(), () => new Uint8Array(region.buffer)[0]);
      console.log('unreachable');
      `,
      { cwd: packageDir },
    );
    expect(child.stdout).toContain('after throw 0');
    expect(child.stdout).not.toContain('unreachable');
    expect(child.signal).toBe('SIGSEGV');
  });
});
