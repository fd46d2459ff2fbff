import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuFlags } from '../../../test-support/cpu.js';
import { lastJson, runNode } from '../../../test-support/child.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const probe = `JSON.stringify({ implementation: mpk.implementation, reason: mpk.implementationReason, status: mpk.supportStatus(), keys: mpk.keys(15).length, mask: mpk.currentMask().value })`;

interface Probe {
  implementation: string;
  reason: string;
  status: { supported: boolean; reason: string; missing?: string };
  keys: number;
  mask: number;
}

describe('loading the umbrella', () => {
  it('ESM and CJS pick the same implementation and agree on support', () => {
    const esm = lastJson<Probe>(runNode(`import * as mpk from 'mpk'; console.log(${probe})`, { cwd: packageDir }));
    const cjs = lastJson<Probe>(runNode(`const mpk = require('mpk'); console.log(${probe})`, { cwd: packageDir, type: 'commonjs' }));
    expect(cjs).toEqual(esm);
    expect(esm.implementation).toBe('enabled');
  });

  it('reports exactly what this CPU lacks', () => {
    const flags = cpuFlags();
    const result = lastJson<Probe>(runNode(`import * as mpk from 'mpk'; console.log(${probe})`, { cwd: packageDir }));
    if (!flags.has('pku')) {
      expect(result.status).toMatchObject({ supported: false, missing: 'cpu' });
      expect(result.status.reason).toContain('PKU');
      expect(result.keys).toBe(0);
      expect(result.mask).toBe(0);
    } else if (!flags.has('ospke')) {
      expect(result.status).toMatchObject({ supported: false, missing: 'os' });
    } else {
      expect(result.status.supported).toBe(true);
    }
  });

  it('MPK_DISABLE=1 forces the disabled half', () => {
    const result = lastJson<Probe>(runNode(`import * as mpk from 'mpk'; console.log(${probe})`, { cwd: packageDir, env: { MPK_DISABLE: '1' } }));
    expect(result).toMatchObject({ implementation: 'disabled', reason: 'MPK_DISABLE=1 is set', keys: 0, status: { supported: false, missing: 'forced' } });
  });

  it('on a simulated non-Linux platform it loads, picks disabled and says why', () => {
    const pretend = `Object.defineProperty(process, 'platform', { value: 'darwin' });`;
    const result = runNode(`${pretend} const mpk = await import('mpk'); if (mpk.allocate(10).byteLength !== 4096) process.exit(3); console.log(${probe})`, { cwd: packageDir });
    expect(result.status).toBe(0);
    expect(lastJson<Probe>(result)).toMatchObject({ implementation: 'disabled', reason: expect.stringContaining('darwin/x64') });
  });
});
