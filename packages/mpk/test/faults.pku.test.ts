import { fileURLToPath } from 'node:url';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { lastJson, runNode } from '../../../test-support/child.js';
import { ADD_AND_LOAD_WASM } from '../../../test-support/wasm.js';
import { allocate, installFaultReporter, keys, mappings, ProtectionMask, withMask } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// The ES2022 lib this workspace compiles against has no WebAssembly types.
const wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>; RuntimeError: ErrorConstructor };
}).WebAssembly;

/**
 * A child that reads 0x1010 bytes into a Region protected with a key, under a
 * mask that denies the key. It prints what it knows (key, address, the PKRU
 * in force) just before the read, which must kill it.
 */
const VIOLATE = `
import * as sys from 'mpk-sys';
import { allocate, currentMask, installFaultReporter, keys, ProtectionMask, withMask } from 'mpk';
if (process.env.REPORT === '1') installFaultReporter({ required: true });
const [key] = keys(1);
const region = allocate(8192, { label: 'tenant secret' });
const view = new Uint8Array(region.buffer);
view[0x1010] = 42;
key.protect(region);
const address = sys.addressOf(region.buffer) + 0x1010n;
const value = withMask(ProtectionMask.zero(), () => {
  console.log(JSON.stringify({ key: key.id, address: address.toString(16), pkru: currentMask().value, pid: process.pid }));
  return view[0x1010];
});
console.log('survived with ' + value);
`;

interface Violation {
  key: number;
  address: string;
  pkru: number;
  pid: number;
}

const LINE = /^mpk: protection key violation: address=0x([0-9a-f]+) key=(\d+) pkru=0x([0-9a-f]{8}) tid=(\d+) region="([^"]*)"\+0x([0-9a-f]+)$/;

describe('the fault reporter under real protection keys', () => {
  it('names the key, the address inside the labelled Region and the PKRU, then the child dies by SIGSEGV', () => {
    const result = runNode(VIOLATE, { cwd: packageDir, env: { REPORT: '1' } });
    const facts = lastJson<Violation>(result);
    expect(result.signal).toBe('SIGSEGV');
    expect(result.stdout).not.toContain('survived');
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('mpk:'));
    expect(lines).toHaveLength(1);
    const match = LINE.exec(lines[0] as string);
    expect(match, lines[0]).not.toBeNull();
    const [, address, key, pkru, tid, label, offset] = match as unknown as string[];
    expect(address).toBe(facts.address);
    expect(Number(key)).toBe(facts.key);
    expect(Number.parseInt(pkru as string, 16)).toBe(facts.pkru);
    // The mask denied the key: its access-disable bit is set in the reported PKRU.
    expect((facts.pkru >>> (2 * facts.key)) & 1).toBe(1);
    expect(Number(tid)).toBe(facts.pid);
    expect(label).toBe('tenant secret');
    expect(offset).toBe('1010');
  });

  it('without the reporter the child dies the same way, silently', () => {
    const result = runNode(VIOLATE, { cwd: packageDir, env: { REPORT: '0' } });
    expect(lastJson<Violation>(result).key).toBeGreaterThan(0);
    expect(result.signal).toBe('SIGSEGV');
    expect(result.stdout).not.toContain('survived');
    expect(result.stderr).not.toMatch(/^mpk:/m);
  });

  it('leaves WebAssembly traps to V8, also under a mask that denies our keys', async () => {
    using _reporter = installFaultReporter({ required: true });
    const [key] = keys(1);
    expect(key).toBeDefined();
    const { instance } = await wasm.instantiate(ADD_AND_LOAD_WASM);
    const load = instance.exports.load as (address: number) => number;
    expect(() => load(70000)).toThrow(wasm.RuntimeError);
    const trapped = withMask(ProtectionMask.zero(), () => {
      try {
        load(70000);
        return 'no trap';
      } catch (error) {
        return error instanceof wasm.RuntimeError ? 'RuntimeError' : String(error);
      }
    });
    expect(trapped).toBe('RuntimeError');
    expect(load(0)).toBe(0);
  });

  it('mappings() lists a protected Region with its key and label', () => {
    const [key] = keys(1);
    if (key === undefined) throw new Error('no key allocated under PKU');
    const region = allocate(2 * 4096, { label: 'listed secret' });
    try {
      key.protect(region);
      const address = sys.addressOf(region.buffer);
      const entry = mappings().find((m) => m.start === address);
      expect(entry).toMatchObject({ end: address + 8192n, perms: 'rw-p', path: undefined, protectionKey: key.id, label: 'listed secret' });
      // Every mapping reports a key under PKU; our key appears exactly where we put it.
      const tagged = mappings().filter((m) => m.protectionKey === key.id);
      expect(tagged.map((m) => m.start)).toContain(address);
    } finally {
      region.free();
    }
  });
});
