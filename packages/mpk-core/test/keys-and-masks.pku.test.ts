import { fileURLToPath } from 'node:url';
import * as pkru from 'mpk-pkru';
import { describe, expect, it } from 'vitest';
import { allocate, allow, currentMask, isSupported, keys, ownedBits, ProtectionMask, supportStatus, withMask } from '../src/index.js';
import { instantiateAddAndLoad } from '../../../test-support/wasm.js';
import { runNode } from '../../../test-support/child.js';
import { entriesIn, readSmaps } from '../../../test-support/smaps.js';
import * as sys from 'mpk-sys';

describe('keys under real PKU', () => {
  it('is supported, for the right reason', () => {
    expect(supportStatus()).toMatchObject({ supported: true });
    expect(isSupported()).toBe(true);
  });

  it('keys(15) hands out what Node leaves free (V8 holds key 1), and caches them', () => {
    const all = keys(15);
    console.log(`keys(15) inside node: ${all.map((k) => k.id).join(', ')}`);
    expect(all.length).toBeGreaterThan(0);
    expect(all.length).toBeLessThanOrEqual(14);
    expect(all.map((k) => k.id)).not.toContain(1);
    expect(all.map((k) => k.id)).not.toContain(0);
    all.forEach((key, index) => {
      expect(key.stripe).toBe(index);
      expect(key.asStripe()).toBe(index);
    });
    // Later calls return a prefix of the same keys, never new ones.
    const three = keys(3);
    expect(three).toEqual(all.slice(0, 3));
    expect(three[0]).toBe(all[0]);
    expect(keys(15)).toBe(keys(15));
    expect(keys(100)).toEqual(all);
    expect(keys(0)).toEqual([]);
    // Our PKRU bits are exactly the bits of the keys we hold.
    expect(ownedBits()).toBe(all.reduce((bits, key) => (bits | pkru.keyBits(key.id)) >>> 0, 0));
  });

  it('protect tags exactly the region with the key, as smaps shows', () => {
    const [key] = keys(1);
    const region = allocate(3 * 4096, { label: 'tagged' });
    key!.protect(region);
    const tagged = entriesIn(readSmaps(), sys.addressOf(region.buffer), region.byteLength);
    expect(tagged.map((entry) => entry.protectionKey)).toEqual([key!.id]);
    expect(tagged[0]!.start).toBe(sys.addressOf(region.buffer));
    expect(tagged[0]!.end).toBe(sys.addressOf(region.buffer) + BigInt(region.byteLength));
    region.free();
  });

  it('protect of an unaligned view fails like Wasmtime does, with a code', () => {
    const [key] = keys(1);
    using region = allocate(8192);
    let caught: (Error & { code?: string }) | undefined;
    try {
      key!.protect(new Uint8Array(region.buffer, 1, 4096));
    } catch (error) {
      caught = error as Error & { code?: string };
    }
    expect(caught?.code).toBe('ERR_MPK_UNALIGNED');
    expect(caught?.message).toMatch(/^failed to mark region with pkey \(addr = 0x[0-9a-f]+, len = 4096, prot = 0b11\)/);
    // Nothing was tagged.
    expect(entriesIn(readSmaps(), sys.addressOf(region.buffer), 8192).every((entry) => entry.protectionKey === 0)).toBe(true);
  });

  it('reprotect re-applies the key with or without access', () => {
    const [key] = keys(1);
    using region = allocate(4096);
    key!.reprotect(region, { readWrite: false });
    const [entry] = entriesIn(readSmaps(), sys.addressOf(region.buffer), 4096);
    expect(entry).toMatchObject({ protectionKey: key!.id, perms: '---p' });
    key!.reprotect(region, { readWrite: true });
    expect(entriesIn(readSmaps(), sys.addressOf(region.buffer), 4096)[0]).toMatchObject({ protectionKey: key!.id, perms: 'rw-p' });
    expect(() => key!.reprotect(region, {} as never)).toThrow(expect.objectContaining({ code: 'ERR_MPK_INVALID_ARGUMENT' }));
  });
});

describe('allow() leaves keys it does not own alone', () => {
  it("keeps V8's key-1 bits through every switch, and wasm still compiles and runs", () => {
    const all = keys(15);
    const v8Bits = pkru.keyBits(1);
    const before = pkru.read() & v8Bits;
    console.log(`PKRU at start: 0x${pkru.read().toString(16)} (key 1 rights ${pkru.rights(pkru.read(), 1)})`);
    for (const mask of [ProtectionMask.zero(), ProtectionMask.all(), ProtectionMask.zero().or(all[0]!), ProtectionMask.fromValue(0xffffffff)]) {
      allow(mask);
      expect(pkru.read() & v8Bits).toBe(before);
      expect(pkru.rights(pkru.read(), 0)).toBe(0);
      expect(instantiateAddAndLoad().add(2, 40)).toBe(42);
    }
    allow(ProtectionMask.all());
  });

  it('applies exactly the owned bits of the mask', () => {
    const all = keys(15);
    allow(ProtectionMask.zero().or(all[0]!));
    const now = currentMask();
    expect(pkru.rights(now.value, all[0]!.id)).toBe(0);
    for (const key of all.slice(1)) expect(pkru.rights(now.value, key.id)).toBe(3);
    allow(ProtectionMask.all());
    for (const key of all) expect(pkru.rights(currentMask().value, key.id)).toBe(0);
  });

  it('withMask restores PKRU after a throw, and refuses async functions', () => {
    keys(15);
    allow(ProtectionMask.all());
    const before = pkru.read();
    expect(() => withMask(ProtectionMask.zero(), () => {
      expect(pkru.read()).not.toBe(before);
      throw new Error('inside');
    })).toThrow('inside');
    expect(pkru.read()).toBe(before);
    expect(() => withMask(ProtectionMask.zero(), async () => 1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
    expect(pkru.read()).toBe(before);
  });
});

describe('the support probe', () => {
  it('leaves no key open in PKRU (it allocates and frees one with access disabled)', () => {
    const child = runNode(
      `
      import * as pkru from 'mpk-pkru';
      const before = pkru.read();
      const mpk = await import('mpk-core');
      if (!mpk.isSupported()) process.exit(3);
      console.log(JSON.stringify({ before, after: pkru.read() }));
      `,
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    expect(child.status).toBe(0);
    const { before, after } = JSON.parse(child.stdout) as { before: number; after: number };
    expect(after).toBe(before);
  });
});
