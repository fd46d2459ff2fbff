import { fileURLToPath } from 'node:url';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { runNode } from '../../../test-support/child.js';
import { cpuFlags } from '../../../test-support/cpu.js';
import { ADD_AND_LOAD_WASM } from '../../../test-support/wasm.js';
import { allocate, explainError, installFaultReporter, mappings, MpkError } from '../src/index.js';
import { parseSmaps } from '../src/faults/mappings.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

// The ES2022 lib this workspace compiles against has no WebAssembly types.
const wasm = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>; RuntimeError: ErrorConstructor };
}).WebAssembly;
const keysReported = cpuFlags().has('pku') && cpuFlags().has('ospke');

const MPK_LINE = /^mpk: protection key violation:/m;

describe('mappings()', () => {
  it('parses smaps headers, paths with spaces, anonymous memory and ProtectionKey lines', () => {
    const text = [
      '55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]',
      'Size:                132 kB',
      'ProtectionKey:         0',
      '7f0000000000-7f0000001000 ---p 00000000 00:00 0 ',
      'ProtectionKey:         3',
      '7f0000001000-7f0000003000 r-xp 00001000 08:01 1234                       /opt/my app/lib (deleted)',
      'VmFlags: rd ex mr mw me',
    ].join('\n');
    expect(parseSmaps(text)).toEqual([
      { start: 0x55d0c0a00000n, end: 0x55d0c0a21000n, perms: 'rw-p', path: '[heap]', protectionKey: 0 },
      { start: 0x7f0000000000n, end: 0x7f0000001000n, perms: '---p', path: undefined, protectionKey: 3 },
      { start: 0x7f0000001000n, end: 0x7f0000003000n, perms: 'r-xp', path: '/opt/my app/lib (deleted)', protectionKey: undefined },
    ]);
  });

  it("lists this process's mappings in order, with keys exactly where the kernel reports them", () => {
    const list = mappings();
    expect(list.length).toBeGreaterThan(10);
    for (const [i, entry] of list.entries()) {
      expect(typeof entry.start).toBe('bigint');
      expect(entry.start).toBeLessThan(entry.end);
      expect(entry.perms).toMatch(/^[r-][w-][x-][ps]$/);
      if (i > 0) expect(entry.start).toBeGreaterThanOrEqual((list[i - 1] as { end: bigint }).end);
      if (keysReported) expect(entry.protectionKey).toEqual(expect.any(Number));
      else expect(entry.protectionKey).toBeUndefined();
    }
    expect(list.some((entry) => entry.path === '[stack]')).toBe(true);
    expect(list.some((entry) => entry.path === process.execPath)).toBe(true);
  });

  it('finds a Region at its address', () => {
    const region = allocate(3 * 4096, { label: 'host listing' });
    try {
      const address = sys.addressOf(region.buffer);
      const entry = mappings().find((m) => m.start <= address && address < m.end);
      expect(entry).toBeDefined();
      expect(entry?.perms).toBe('rw-p');
      expect(entry?.path).toBeUndefined();
      // A Region of key 0 may share its mapping with neighbouring anonymous memory; when it starts it, it names it.
      if (entry?.start === address) expect(entry.label).toBe('host listing');
    } finally {
      region.free();
    }
  });

  it('names a Region that starts its own mapping', () => {
    const region = allocate(4096, { label: 'host labelled' });
    const view = new Uint8Array(region.buffer);
    try {
      // Make the page differ from its neighbours so the kernel keeps it a mapping of its own.
      sys.mprotect(view, sys.PROT_READ);
      const address = sys.addressOf(region.buffer);
      expect(mappings().find((m) => m.start === address)).toMatchObject({ end: address + 4096n, perms: 'r--p', label: 'host labelled' });
    } finally {
      region.free();
    }
  });

  it('is empty off Linux', () => {
    const result = runNode(
      `Object.defineProperty(process, 'platform', { value: 'darwin' }); const { mappings } = await import('mpk'); console.log(JSON.stringify(mappings()));`,
      { cwd: packageDir },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('[]');
  });
});

describe('installFaultReporter()', () => {
  it('installs, counts handles, and uninstalls with the last one', () => {
    expect(sys.faultReporterInstalled()).toBe(false);
    const first = installFaultReporter();
    expect(first).toMatchObject({ available: true, reason: null, active: true });
    expect(sys.faultReporterInstalled()).toBe(true);
    {
      using second = installFaultReporter();
      expect(second.active).toBe(true);
    }
    // The disposed second handle left the first one's reporter in place.
    expect(sys.faultReporterInstalled()).toBe(true);
    first.uninstall();
    expect(first.active).toBe(false);
    expect(sys.faultReporterInstalled()).toBe(false);
    first.uninstall();
    expect(sys.faultReporterInstalled()).toBe(false);
    const again = installFaultReporter();
    expect(sys.faultReporterInstalled()).toBe(true);
    again[Symbol.dispose]();
    expect(sys.faultReporterInstalled()).toBe(false);
  });

  it('checks its options', () => {
    expect(() => installFaultReporter(null as never)).toThrow(MpkError);
    expect(() => installFaultReporter({ required: 'yes' as never })).toThrow(/options.required must be a boolean/);
    expect(sys.faultReporterInstalled()).toBe(false);
  });

  it('is a no-op handle that says why where it cannot exist, or throws when required', () => {
    const result = runNode(
      `
      import { installFaultReporter } from 'mpk';
      const handle = installFaultReporter();
      let required;
      try { installFaultReporter({ required: true }); } catch (error) { required = error.code + ': ' + error.message; }
      handle.uninstall();
      console.log(JSON.stringify({ available: handle.available, active: handle.active, reason: handle.reason, required }));
      `,
      { cwd: packageDir, env: { MPK_DISABLE: '1' } },
    );
    expect(JSON.parse(result.stdout)).toEqual({
      available: false,
      active: false,
      reason: expect.stringContaining('MPK_DISABLE=1'),
      required: expect.stringMatching(/^ERR_MPK_UNAVAILABLE: installFaultReporter: MPK_DISABLE=1/),
    });
  });

  it('leaves WebAssembly traps to V8: an out-of-bounds load still throws a RuntimeError', async () => {
    using _reporter = installFaultReporter();
    const { instance } = await wasm.instantiate(ADD_AND_LOAD_WASM);
    const { add, load } = instance.exports as { add: (a: number, b: number) => number; load: (address: number) => number };
    expect(add(2, 3)).toBe(5);
    expect(load(4)).toBe(0);
    expect(() => load(70000)).toThrow(wasm.RuntimeError);
    expect(() => load(70000)).toThrow(/out of bounds/);
    expect(load(8)).toBe(0);
  });

  it('stays silent on a plain segmentation fault, which still kills the process by SIGSEGV', () => {
    const result = runNode(
      `
      import { allocate, installFaultReporter } from 'mpk';
      import * as sys from 'mpk-sys';
      installFaultReporter({ required: true });
      const region = allocate(4096, { label: 'no access' });
      sys.mprotect(region.buffer, sys.PROT_NONE);
      console.log('reading');
      console.log(new Uint8Array(region.buffer)[16]);
      `,
      { cwd: packageDir },
    );
    expect(result.stdout.trim()).toBe('reading');
    expect(result.signal).toBe('SIGSEGV');
    expect(result.stderr).not.toMatch(MPK_LINE);
  });
});

describe('explainError()', () => {
  it('explains EFAULT and nothing else', () => {
    const efault = Object.assign(new Error('EFAULT: bad address in system call argument, write'), { code: 'EFAULT', errno: -14, syscall: 'write' });
    const text = explainError(efault);
    expect(text).toMatch(/^EFAULT from write\(2\)/);
    expect(text).toContain('thread-pool');
    expect(text).toContain('withMask()');
    expect(explainError(Object.assign(new Error('no'), { code: 'ENOENT' }))).toBeUndefined();
    expect(explainError(undefined)).toBeUndefined();
    expect(explainError('EFAULT')).toBeUndefined();
  });

  it('describes the buffer it is given', () => {
    const efault = { code: 'EFAULT' };
    expect(explainError(efault, new Uint8Array(8))).toContain('not memory from allocate()');
    const region = allocate(4096, { label: 'explained' });
    try {
      const text = explainError(efault, new Uint8Array(region.buffer, 64));
      expect(text).toContain(`0x${(sys.addressOf(region.buffer) + 64n).toString(16)}`);
      expect(text).toMatch(keysReported ? /carries no protection key \(key 0\)/ : /reports no protection keys/);
    } finally {
      region.free();
    }
  });
});
