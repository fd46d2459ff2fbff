/**
 * The package as users get it: the built dist/ loaded through its own name
 * (a package may require itself by name from inside its directory) from CJS
 * and ESM, the shipped prebuild on its own, and a copy with no native binary
 * at all, which must still import and say why PKRU is unavailable.
 */
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe as group, expect, it } from 'vitest';
import { ending, PACKAGE_DIR, runNode } from './helpers.js';

const EXPORTS = [
  'ALLOW_ACCESS',
  'DEFAULT_PKRU',
  'DISABLE_ACCESS',
  'KEY_COUNT',
  'MpkError',
  'PKEY_DISABLE_ACCESS',
  'PKEY_DISABLE_WRITE',
  'available',
  'cpuVendor',
  'decode',
  'describe',
  'hasCpuidBitSet',
  'keyBits',
  'noop',
  'osEnabled',
  'ownBits',
  'ownedBits',
  'read',
  'rights',
  'switcher',
  'unavailableReason',
  'update',
  'withRights',
  'write',
];

/** Reports what a child sees; `LOAD` is replaced by a require or an import. */
const REPORT = `
  const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
  const addons = [...new Set(maps.split('\\n').map((l) => l.split(/\\s+/)[5]).filter((f) => f && f.endsWith('.node')))];
  let readCode = null;
  try { pkru.read(); } catch (err) { readCode = err.code; }
  console.log(JSON.stringify({
    resolved, available: pkru.available, unavailableReason: pkru.unavailableReason,
    keys: Object.keys(pkru).filter((k) => k !== 'default' && k !== 'module.exports').sort(),
    keyBits15: pkru.keyBits(15), withRights: pkru.withRights(0x55555554, 1, 2),
    vendor: pkru.cpuVendor(), osEnabled: pkru.osEnabled(), readCode,
    errorIsMpk: (() => { try { pkru.keyBits(16); } catch (e) { return e instanceof pkru.MpkError && e.code; } })(),
    addons,
  }));
`;
const CJS = `const pkru = require('mpk-pkru'); const resolved = require.resolve('mpk-pkru'); ${REPORT}`;
const ESM = `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/');
  const pkru = await import('mpk-pkru'); const resolved = import.meta.resolve('mpk-pkru'); ${REPORT}`;

interface Report {
  resolved: string;
  available: boolean;
  unavailableReason: string | null;
  keys: string[];
  keyBits15: number;
  withRights: number;
  vendor: string;
  osEnabled: boolean;
  readCode: string | null;
  errorIsMpk: string | false;
  addons: string[];
}

function load(kind: 'cjs' | 'esm', cwd = PACKAGE_DIR, env: NodeJS.ProcessEnv = {}): Report {
  const args = kind === 'cjs' ? ['-e', CJS] : ['--input-type=module', '-e', ESM];
  const r = runNode(args, { cwd, env });
  expect(r.signal, ending(r)).toBeNull();
  expect(r.status, ending(r)).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

const x64Linux = process.platform === 'linux' && process.arch === 'x64';
const BUILD = join(PACKAGE_DIR, 'build', 'Release', 'mpk_pkru.node');
const PREBUILD = join(PACKAGE_DIR, 'prebuilds', 'linux-x64', 'mpk-pkru.glibc.node');

group('loading the built package', () => {
  it('dist/ and the binaries have been built (pnpm --filter mpk-pkru build)', () => {
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) {
      expect(existsSync(join(PACKAGE_DIR, f)), f).toBe(true);
    }
    if (x64Linux) expect(existsSync(PREBUILD), PREBUILD).toBe(true);
  });

  for (const kind of ['cjs', 'esm'] as const) {
    it(`${kind}: require/import('mpk-pkru') gives the full API and the native binding`, () => {
      const report = load(kind);
      expect(report.resolved).toMatch(kind === 'cjs' ? /dist\/index\.cjs$/ : /^file:.*dist\/index\.js$/);
      expect(report.keys).toEqual(EXPORTS);
      expect(report.available).toBe(true);
      expect(report.unavailableReason).toBeNull();
      expect(report.keyBits15).toBe(0xc0000000);
      expect(report.withRights).toBe(0x55555558);
      expect(report.errorIsMpk).toBe('ERR_MPK_OUT_OF_RANGE');
      expect(report.readCode).toBe(report.osEnabled ? null : 'ERR_MPK_PKRU_UNAVAILABLE');
      expect(report.addons.filter((f) => f.startsWith(PACKAGE_DIR))).toHaveLength(1);
    });
  }

  it.runIf(x64Linux)('by default node-gyp-build loads build/Release when a local compile left one, else the prebuild', () => {
    // prebuildify leaves no build/Release/*.node; `node-gyp rebuild` (the
    // install script on a platform without a prebuild) does.
    const expected = existsSync(BUILD) ? BUILD : PREBUILD;
    expect(load('cjs').addons.filter((f) => f.startsWith(PACKAGE_DIR))).toEqual([expected]);
  });

  it.runIf(x64Linux)('PREBUILDS_ONLY=1 loads the shipped prebuild, from CJS and ESM', () => {
    for (const kind of ['cjs', 'esm'] as const) {
      const report = load(kind, PACKAGE_DIR, { PREBUILDS_ONLY: '1' });
      expect(report.available).toBe(true);
      expect(report.addons.filter((f) => f.startsWith(PACKAGE_DIR))).toEqual([PREBUILD]);
      expect(report.keys).toEqual(EXPORTS);
    }
  });
});

group('a copy with no native binary (a platform without a prebuild)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpk-pkru-nobinary-'));
  for (const f of ['package.json', 'binding.cjs', 'dist']) cpSync(join(PACKAGE_DIR, f), join(dir, f), { recursive: true });
  const ngb = realpathSync(join(PACKAGE_DIR, 'node_modules', 'node-gyp-build'));
  cpSync(ngb, join(dir, 'node_modules', 'node-gyp-build'), { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['cjs', 'esm'] as const) {
    it(`${kind}: still loads, reports why, and throws ERR_MPK_PKRU_UNAVAILABLE`, () => {
      const report = load(kind, dir);
      expect(report.available).toBe(false);
      expect(report.unavailableReason).toMatch(/^the native binding did not load: No native build was found/);
      expect(report.readCode).toBe('ERR_MPK_PKRU_UNAVAILABLE');
      expect(report.osEnabled).toBe(false);
      expect(report.vendor).toBe('');
      expect(report.addons).toEqual([]);
      // The arithmetic needs no binary.
      expect(report.keys).toEqual(EXPORTS);
      expect(report.keyBits15).toBe(0xc0000000);
      expect(report.errorIsMpk).toBe('ERR_MPK_OUT_OF_RANGE');
    });
  }

  it('the error message carries the load failure', () => {
    const r = runNode(['-e', `try { require('mpk-pkru').write(0) } catch (e) { console.log(e.code + ': ' + e.message) }`], { cwd: dir });
    expect(r.status, ending(r)).toBe(0);
    expect(r.stdout).toMatch(/^ERR_MPK_PKRU_UNAVAILABLE: Cannot write PKRU: the native binding did not load: No native build was found/);
  });
});
