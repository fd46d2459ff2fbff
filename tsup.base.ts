import { defineConfig, type Options } from 'tsup';

/**
 * One build recipe for every package: ESM and CJS side by side with their own
 * declaration files, so `import` and `require` both get types that match.
 * `shims` gives the CJS build an `import.meta.url`, which the native loaders use
 * to find their binding next to the package.
 */
export function packageConfig(entry: Options['entry'], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    shims: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    ...extra,
  });
}
