import { Worker } from 'node:worker_threads';
import * as pkru from 'mpk-pkru';
import { describe, expect, it } from 'vitest';
import { allow, keys, ownedBits, ProtectionMask } from '../src/index.js';

function inWorker(code: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(`const { parentPort } = require('node:worker_threads'); ${code}`, { eval: true });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('keys are per process, PKRU is per thread', () => {
  it('a worker adopts the keys the main thread allocated instead of allocating its own', async () => {
    const main = keys(15).map((key) => key.id);
    const seen = (await inWorker(`
      const mpk = require('mpk-core');
      const before = mpk.ownedBits();
      const ids = mpk.keys(15).map((key) => key.id);
      parentPort.postMessage({ before, ids, owned: mpk.ownedBits() });
    `)) as { before: number; ids: number[]; owned: number };
    expect(seen.ids).toEqual(main);
    expect(seen.owned).toBe(ownedBits());
  });

  it("allow() in a worker that never called keys() switches the process's keys on that thread only", async () => {
    const [first] = keys(15);
    allow(ProtectionMask.all());
    const mainBefore = pkru.read();
    const seen = (await inWorker(`
      const mpk = require('mpk-core');
      const pkru = require('mpk-pkru');
      mpk.allow(mpk.ProtectionMask.zero());
      parentPort.postMessage(pkru.read());
    `)) as number;
    expect(pkru.rights(seen, first!.id)).toBe(3);
    expect(pkru.read()).toBe(mainBefore);
    expect(pkru.rights(pkru.read(), first!.id)).toBe(0);
  });
});
