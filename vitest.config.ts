import { defineConfig } from 'vitest/config';
import { reporting } from './vitest.shared.ts';

/**
 * Every package's tests in one vitest process. The PKU guest uses this: under
 * software emulation each Node start costs seconds, so one runner for all
 * packages beats one per package.
 */
export default defineConfig({
  test: {
    projects: ['packages/*'],
    ...reporting('all-packages'),
  },
});
