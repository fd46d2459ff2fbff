#!/usr/bin/env node
/**
 * Builds the calling package's Node-API addon into prebuilds/<platform>-<arch>/
 * with prebuildify: one binary per platform serves every Node version (Node-API),
 * stripped, and tagged with its libc so glibc and musl builds sit side by side
 * (prebuilds/linux-x64/<name>.glibc.node and <name>.musl.node).
 *
 * Two builds on a glibc Linux host:
 *   1. the host's own libc (glibc), with the host's compiler;
 *   2. musl, with Debian's musl-gcc (package musl-tools): the addons are C-only,
 *      so musl-gcc compiles and links them without a musl sysroot for C++.
 *      Skipped with a note when musl-gcc is absent, unless MPK_MUSL=1 asks for
 *      it (then its absence is an error); MPK_MUSL=0 skips it (CI's glibc
 *      prebuild job, which must upload exactly one target).
 * On a musl host (Alpine) the host build already is the musl one.
 *
 * Node's headers: this machine kind keeps them in /usr/include/node and names
 * that dir in ~/.npmrc (nodedir=/usr). Scripts run by pnpm inherit it, but a
 * bare `node scripts/build-native.mjs` would not, and node-gyp would then try
 * to download headers from the network; so point it at the running node's own
 * prefix (/usr here, /usr/local in the node Docker images, the tool cache on
 * CI runners) when its headers are there and nothing else was said.
 *
 * Extra arguments go to prebuildify (e.g. `--arch arm64` for a cross build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const require = createRequire(`${process.cwd()}/package.json`);
const prebuildify = require.resolve('prebuildify/bin.js');
const extra = process.argv.slice(2);

const baseEnv = { ...process.env };
if (!baseEnv.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr']) {
    if (existsSync(join(dir, 'include/node/node_api.h'))) {
      baseEnv.npm_config_nodedir = dir;
      break;
    }
  }
}

function run(label, env) {
  const args = [prebuildify, '--napi', '--strip', '--tag-libc', ...extra];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`build-native: the ${label} build failed`);
    process.exit(result.status ?? 1);
  }
}

function onPath(command) {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  return dirs.map((dir) => join(dir, command)).find((file) => existsSync(file)) ?? null;
}

const isGlibcLinux =
  process.platform === 'linux' && Boolean(process.report?.getReport().header.glibcVersionRuntime);

// 1. The host's libc.
run('host', baseEnv);

// 2. musl, from a glibc host.
if (!isGlibcLinux || process.env.MPK_MUSL === '0') process.exit(0);
const muslGcc = onPath('musl-gcc');
if (!muslGcc) {
  const message = 'musl-gcc not found: no musl prebuild (install it with: apt-get install musl-tools)';
  if (process.env.MPK_MUSL === '1') {
    console.error(`build-native: ${message}, and MPK_MUSL=1 asks for one`);
    process.exit(1);
  }
  console.warn(`build-native: ${message}`);
  process.exit(0);
}

const gnuArch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
const libc = [`/usr/lib/${gnuArch}-linux-musl/libc.so`, '/usr/lib/musl/lib/libc.so'].find((file) =>
  existsSync(file),
);
if (!gnuArch || !libc) {
  console.error(`build-native: musl-gcc is there but musl's libc.so for ${process.arch} is not`);
  process.exit(1);
}

// Debian's libc.so has no SONAME, so a plain link records NEEDED "libc.so".
// Alpine's loader would accept that too (it treats every libc.* name as
// itself), but an addon built on Alpine records libc.musl-<arch>.so.1, and
// tools that tell glibc from musl binaries by their NEEDED entries look for
// that name. A libc.so linker script found first on the library path makes
// the link record it.
const linkDir = mkdtempSync(join(tmpdir(), 'mpk-musl-link-'));
const soname = `libc.musl-${gnuArch}.so.1`;
try {
  symlinkSync(libc, join(linkDir, soname));
  writeFileSync(join(linkDir, 'libc.so'), `INPUT(-l:${soname})\n`);
  run('musl', {
    ...baseEnv,
    CC: muslGcc,
    // gyp links with $(CXX); the addons are C, so musl-gcc links them too.
    CXX: muslGcc,
    LDFLAGS: `-L${linkDir}${baseEnv.LDFLAGS ? ` ${baseEnv.LDFLAGS}` : ''}`,
    PREBUILD_LIBC: 'musl',
  });
} finally {
  rmSync(linkDir, { recursive: true, force: true });
}
