import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { publishSharedKeySet, sharedKeySet } from '../src/index.js';

describe('the process-wide key record', () => {
  it('is published once, by compare-and-exchange, and seen from a worker thread', async () => {
    expect(sharedKeySet()).toBe(0);
    // A stale expectation loses and learns what is in force.
    expect(publishSharedKeySet(0b100, 0b1000)).toBe(0);
    expect(publishSharedKeySet(0, 0b1100)).toBe(0b1100);
    expect(publishSharedKeySet(0, 0b110000)).toBe(0b1100);
    expect(sharedKeySet()).toBe(0b1100);
    const seen = await new Promise((resolve, reject) => {
      const worker = new Worker(
        `const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require('mpk-sys').sharedKeySet());`,
        { eval: true },
      );
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(seen).toBe(0b1100);
  });

  it('refuses masks that are not keys 1..15', () => {
    for (const [value, code] of [[1, 'ERR_MPK_OUT_OF_RANGE'], [0x10000, 'ERR_MPK_OUT_OF_RANGE'], [-2, 'ERR_MPK_OUT_OF_RANGE'], [2.5, 'ERR_MPK_INVALID_ARGUMENT'], ['4', 'ERR_MPK_INVALID_ARGUMENT']] as const) {
      expect(() => publishSharedKeySet(0, value as number)).toThrow(expect.objectContaining({ code }));
      expect(() => publishSharedKeySet(value as number, 4)).toThrow(expect.objectContaining({ code }));
    }
  });
});
