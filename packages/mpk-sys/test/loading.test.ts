/**
 * The built package loads from ESM and CJS (through its own `exports`, by the
 * package's self-reference), the two builds share their view of mappings and
 * errors, node-gyp-build can load the shipped prebuild alone, and where no
 * binding loads the package still imports and says why.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ending, PACKAGE_DIR, report, runNodeArgs } from './helpers/child.js';

const PUBLIC_API = [
  'LABEL_MAX_BYTES',
  'LABEL_TABLE_SLOTS',
  'MpkError',
  'MpkSystemError',
  'PKEY_DISABLE_ACCESS',
  'PKEY_DISABLE_WRITE',
  'PROT_EXEC',
  'PROT_NONE',
  'PROT_READ',
  'PROT_WRITE',
  'SEGV_PKUERR',
  'addressOf',
  'available',
  'faultReporterInstalled',
  'installFaultReporter',
  'isMpkError',
  'isMpkSystemError',
  'labelOf',
  'liveMappings',
  'mappingOf',
  'mmap',
  'mprotect',
  'munmap',
  'noop',
  'pageSize',
  'pkeyAlloc',
  'pkeyFree',
  'pkeyMprotect',
  'probeAccess',
  'publishSharedKeySet',
  'setMappingLabel',
  'sharedKeySet',
  'unavailableReason',
  'uninstallFaultReporter',
];

/** Prints what a loaded copy of the package looks like, and which .node file it loaded. */
const PROBE = `
  const summary = (s, file) => ({
    file,
    keys: Object.keys(s).sort(),
    available: s.available,
    reason: s.unavailableReason,
    constants: [s.PROT_NONE, s.PROT_READ, s.PROT_WRITE, s.PROT_EXEC, s.PKEY_DISABLE_ACCESS, s.PKEY_DISABLE_WRITE, s.SEGV_PKUERR],
    addons: Object.keys(require.cache).filter((k) => k.endsWith('.node')),
  });
`;

function esm(code: string, env: Record<string, string> = {}, cwd = PACKAGE_DIR) {
  const source = `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); ${PROBE} ${code}`;
  return runNodeArgs(['--input-type=module', '-e', source], { env, cwd });
}

function cjs(code: string, env: Record<string, string> = {}, cwd = PACKAGE_DIR) {
  return runNodeArgs(['--input-type=commonjs', '-e', `${PROBE} ${code}`], { env, cwd });
}

interface Summary {
  file: string;
  keys: string[];
  available: boolean;
  reason: string | null;
  constants: number[];
  addons: string[];
}

describe('from the built package', () => {
  it('ESM: import resolves to dist/index.js and has the whole API', () => {
    const r = esm(`
      const s = await import('mpk-sys');
      const m = s.mmap(1);
      console.log(JSON.stringify({ ...summary(s, import.meta.resolve('mpk-sys')), length: m.byteLength }));
    `);
    expect(r.status, ending(r)).toBe(0);
    const out = report<Summary & { length: number }>(r);
    expect(out.file).toMatch(/\/dist\/index\.js$/);
    expect(out.keys).toEqual(PUBLIC_API);
    expect(out.available).toBe(true);
    expect(out.constants).toEqual([0, 1, 2, 4, 1, 2, 4]);
    expect(out.length).toBeGreaterThan(0);
  });

  it('CJS: require resolves to dist/index.cjs and has the whole API', () => {
    const r = cjs(`
      const s = require('mpk-sys');
      const m = s.mmap(1);
      console.log(JSON.stringify({ ...summary(s, require.resolve('mpk-sys')), length: m.byteLength }));
    `);
    expect(r.status, ending(r)).toBe(0);
    const out = report<Summary & { length: number }>(r);
    expect(out.file).toMatch(/\/dist\/index\.cjs$/);
    expect(out.keys).toEqual(PUBLIC_API);
    expect(out.available).toBe(true);
  });

  it('both builds in one process recognise each other\'s mappings and errors', () => {
    const r = esm(`
      const fromEsm = await import('mpk-sys');
      const fromCjs = require('mpk-sys');
      const buffer = fromEsm.mmap(4096);
      fromCjs.mprotect(buffer, fromCjs.PROT_READ);
      let error;
      try { fromEsm.mprotect(new ArrayBuffer(4096), 1); } catch (e) { error = e; }
      let systemError;
      try { fromEsm.pkeyFree(15); } catch (e) { systemError = e; }
      fromCjs.munmap(buffer);
      let unmapped;
      try { fromEsm.munmap(buffer); } catch (e) { unmapped = e.code; }
      console.log(JSON.stringify({
        distinct: fromEsm.mmap !== fromCjs.mmap,
        isMpkError: fromCjs.isMpkError(error),
        isSystemError: fromCjs.isMpkSystemError(systemError),
        unmapped,
      }));
    `);
    expect(r.status, ending(r)).toBe(0);
    expect(report(r)).toEqual({ distinct: true, isMpkError: true, isSystemError: true, unmapped: 'ERR_MPK_UNMAPPED' });
  });

  it('by default node-gyp-build prefers a local build/Release, else the prebuild', () => {
    const local = join(PACKAGE_DIR, 'build', 'Release', 'mpk_sys.node');
    const expected = existsSync(local) ? local : join(PACKAGE_DIR, 'prebuilds', 'linux-x64', 'mpk-sys.glibc.node');
    const r = cjs(`console.log(JSON.stringify(summary(require('mpk-sys'), '')));`);
    expect(r.status, ending(r)).toBe(0);
    expect(report<Summary>(r).addons).toEqual([expected]);
  });

  it.each(['esm', 'cjs'] as const)('PREBUILDS_ONLY=1 (%s) loads prebuilds/linux-x64/mpk-sys.glibc.node and works', (kind) => {
    const code =
      kind === 'esm'
        ? `const s = await import('mpk-sys'); const b = s.mmap(1); s.mprotect(b, s.PROT_READ); s.munmap(b); console.log(JSON.stringify(summary(s, '')));`
        : `const s = require('mpk-sys'); const b = s.mmap(1); s.mprotect(b, s.PROT_READ); s.munmap(b); console.log(JSON.stringify(summary(s, '')));`;
    const r = (kind === 'esm' ? esm : cjs)(code, { PREBUILDS_ONLY: '1' });
    expect(r.status, ending(r)).toBe(0);
    const out = report<Summary>(r);
    expect(out.addons).toEqual([join(PACKAGE_DIR, 'prebuilds', 'linux-x64', 'mpk-sys.glibc.node')]);
    expect(out.available).toBe(true);
  });
});

describe('where no native binding loads', () => {
  // A copy of the package with dist/ and binding.cjs but neither build/ nor
  // prebuilds/: node-gyp-build finds nothing, as on an unsupported platform.
  const dir = mkdtempSync(join(tmpdir(), 'mpk-sys-unavailable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'mpk-sys');
  mkdirSync(join(copy, 'node_modules'), { recursive: true });
  cpSync(join(PACKAGE_DIR, 'dist'), join(copy, 'dist'), { recursive: true });
  cpSync(join(PACKAGE_DIR, 'binding.cjs'), join(copy, 'binding.cjs'));
  cpSync(join(PACKAGE_DIR, 'package.json'), join(copy, 'package.json'));
  const gypBuild = dirname(createRequire(join(PACKAGE_DIR, 'package.json')).resolve('node-gyp-build/package.json'));
  symlinkSync(gypBuild, join(copy, 'node_modules', 'node-gyp-build'));
  expect(JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')).name).toBe('mpk-sys');

  it.each(['esm', 'cjs'] as const)('%s: imports, reports why, keeps Linux constants, and every call throws ERR_MPK_UNAVAILABLE', (kind) => {
    const calls = `
      const codes = {};
      const attempts = {
        pageSize: () => s.pageSize(), pkeyAlloc: () => s.pkeyAlloc(), pkeyFree: () => s.pkeyFree(1),
        mmap: () => s.mmap(4096), munmap: () => s.munmap(new ArrayBuffer(8)),
        mprotect: () => s.mprotect(new ArrayBuffer(8), 1), pkeyMprotect: () => s.pkeyMprotect(new ArrayBuffer(8), 1, 1),
        addressOf: () => s.addressOf(new ArrayBuffer(8)), mappingOf: () => s.mappingOf(new ArrayBuffer(8)),
        installFaultReporter: () => s.installFaultReporter(), setMappingLabel: () => s.setMappingLabel(new ArrayBuffer(8), 'x'),
      };
      for (const [name, call] of Object.entries(attempts)) {
        try { call(); codes[name] = 'returned'; } catch (e) { codes[name] = e.code; }
      }
      s.noop(); s.uninstallFaultReporter();
      console.log(JSON.stringify({ ...summary(s, ''), codes, live: s.liveMappings(), installed: s.faultReporterInstalled() }));
    `;
    const r =
      kind === 'esm' ? esm(`const s = await import('mpk-sys'); ${calls}`, {}, copy) : cjs(`const s = require('mpk-sys'); ${calls}`, {}, copy);
    expect(r.status, ending(r)).toBe(0);
    const out = report<Summary & { codes: Record<string, string>; live: number; installed: boolean }>(r);
    expect(out.available).toBe(false);
    expect(out.reason).toMatch(/^the mpk-sys native binding did not load on linux-x64: No native build was found/);
    expect(out.constants).toEqual([0, 1, 2, 4, 1, 2, 4]);
    expect(out.keys).toEqual(PUBLIC_API);
    expect(new Set(Object.values(out.codes))).toEqual(new Set(['ERR_MPK_UNAVAILABLE']));
    expect(out.live).toBe(0);
    expect(out.installed).toBe(false);
  });

  it('the error message names the operation and the reason', () => {
    const r = cjs(`try { require('mpk-sys').pkeyAlloc() } catch (e) { console.log(JSON.stringify({ message: e.message, reason: e.reason })) }`, {}, copy);
    const out = report<{ message: string; reason: string }>(r);
    expect(out.message).toMatch(/^pkeyAlloc: mpk-sys is unavailable: the mpk-sys native binding did not load/);
    expect(out.reason).toMatch(/No native build was found/);
  });
});
