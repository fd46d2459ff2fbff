#!/usr/bin/env node
/**
 * Builds the calling package's Node-API addon into prebuilds/<platform>-<arch>/
 * with prebuildify: one binary per platform serves every Node version (Node-API),
 * stripped, and tagged with its libc so glibc and musl builds sit side by side.
 *
 * Node's headers: this machine kind keeps them in /usr/include/node and names
 * that dir in ~/.npmrc (nodedir=/usr). Scripts run by pnpm inherit it, but a
 * bare `node scripts/build-native.mjs` would not, and node-gyp would then try
 * to download headers from the network; so point it at /usr ourselves when the
 * headers are there and nothing else was said.
 *
 * Extra arguments go to prebuildify (e.g. `--tag-libc musl` is implied by
 * building on musl; `--arch arm64` for a cross build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/package.json`);
const env = { ...process.env };
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) {
  env.npm_config_nodedir = '/usr';
}
const prebuildify = require.resolve('prebuildify/bin.js');
const args = [prebuildify, '--napi', '--strip', '--tag-libc', ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
