import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lastJson, runNode } from '../../../test-support/child.js';
import { allocate, currentMask, enter, keys, ProtectionMask, withMask } from '../src/index.js';

/**
 * PKRU belongs to a thread. These tests pin what that means in Node: worker
 * threads, libuv's thread pool and async functions each see their own
 * register, and a new thread starts with a copy of its creator's.
 */
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Access-disable bit of `key` in a PKRU value. */
const denies = (pkru: number, key: number) => ((pkru >>> (2 * key)) & 1) === 1;

/**
 * The worker's side: answers 'pkru' with its register, and 'use' by loading
 * mpk (a new isolate, with its own copy of the module), taking memory of its
 * own, tagging it with the key keys() gives it there, and reading it back,
 * after allow(all()) when asked to. Keys are process-wide (the worker's mpk
 * adopts the main thread's); only PKRU is per thread.
 */
const WORKER = `
import { parentPort } from 'node:worker_threads';
import * as pkru from 'mpk-pkru';
parentPort.on('message', async ({ op, allowFirst }) => {
  if (op === 'pkru') return parentPort.postMessage(pkru.read());
  if (op === 'use') {
    // Loaded only here: every import costs seconds under emulation.
    const mpk = await import('mpk');
    const before = pkru.read();
    const [key] = mpk.keys(1);
    const region = mpk.allocate(4096, { label: 'worker page' });
    new Uint8Array(region.buffer)[5] = 55;
    key.protect(region);
    if (allowFirst) mpk.allow(mpk.ProtectionMask.all());
    const reading = pkru.read();
    const value = new Uint8Array(region.buffer)[5];
    parentPort.postMessage({ before, keyId: key.id, reading, value });
  }
});
parentPort.postMessage('ready');
`;

const MAIN = `
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { allow, allocate, installFaultReporter, keys, ProtectionMask } from 'mpk';
import * as pkru from 'mpk-pkru';
installFaultReporter({ required: true });
const source = ${JSON.stringify(WORKER)};
async function start() {
  const worker = new Worker(source, { eval: true, execArgv: ['--input-type=module'] });
  await once(worker, 'message');
  return worker;
}
async function ask(worker, message) {
  worker.postMessage(message);
  const [answer] = await once(worker, 'message');
  return answer;
}
const early = await start();                       // before any key exists
const [key] = keys(1);
const region = allocate(4096, { label: 'main page' });
key.protect(region);
const afterKeys = await start();                   // created while this thread allows the key
allow(ProtectionMask.zero());
const mainDenied = pkru.read();
const afterDeny = await start();                   // created while this thread denies it
const result = {
  key: key.id,
  main: { denied: mainDenied },
  early: await ask(early, { op: 'pkru' }),
  afterKeys: await ask(afterKeys, { op: 'pkru' }),
  afterDeny: await ask(afterDeny, { op: 'pkru' }),
  // Both read while the main thread still denies the key:
  afterKeysUse: await ask(afterKeys, { op: 'use', allowFirst: false }),
  earlyUse: await ask(early, { op: 'use', allowFirst: true }),
};
allow(ProtectionMask.all());
for (const worker of [early, afterKeys, afterDeny]) await worker.terminate();
console.log(JSON.stringify(result));
`;

interface WorkerUse {
  before: number;
  keyId: number;
  reading: number;
  value: number;
}

interface WorkerFacts {
  key: number;
  main: { denied: number };
  early: number;
  afterKeys: number;
  afterDeny: number;
  afterKeysUse: WorkerUse;
  earlyUse: WorkerUse;
}

describe('worker threads', () => {
  it('each has its own PKRU, copied from its creator at creation; keys work in any thread that allows them', () => {
    const result = runNode(MAIN, { cwd: packageDir });
    expect(result.stderr).toBe('');
    const facts = lastJson<WorkerFacts>(result);
    const { key } = facts;

    // The main thread denies the key at the end...
    expect(denies(facts.main.denied, key)).toBe(true);
    // ...a worker created before the key existed denied it from the start (the kernel's default PKRU),
    expect(denies(facts.early, key)).toBe(true);
    // a worker created while the main thread allowed it still allows it: allow() changed only the main thread,
    expect(denies(facts.afterKeys, key)).toBe(false);
    // and a worker created after allow(zero()) inherited the denial.
    expect(denies(facts.afterDeny, key)).toBe(true);

    // Keys are process-wide: a worker's keys() hands out the main thread's key, not a new one.
    expect(facts.afterKeysUse.keyId).toBe(key);
    expect(facts.earlyUse.keyId).toBe(key);
    // The unaffected worker reads a page of its own tagged with that key, without any allow(), while main denies it.
    expect(denies(facts.afterKeysUse.reading, key)).toBe(false);
    expect(facts.afterKeysUse.value).toBe(55);
    // The early worker denies it until its own allow(all()), and then reads it too.
    expect(denies(facts.earlyUse.before, key)).toBe(true);
    expect(denies(facts.earlyUse.reading, key)).toBe(false);
    expect(facts.earlyUse.value).toBe(55);
  });
});

/**
 * The libuv thread pool: asynchronous fs, zlib and crypto work runs on pool
 * threads, which libuv creates all at once on first use. Each keeps the PKRU
 * it was created with. The children below fix when that happens.
 */
describe('the libuv thread pool', () => {
  interface PoolFacts {
    key: number;
    pid: number;
    asyncWrite: { code?: string; written?: number; explained?: string };
    syncWrite: number;
    syncWriteMasked: string;
  }

  it('a pool started before the key denies it: fs.write gets EFAULT, a userland read on a pool thread dies by SIGSEGV', () => {
    const result = runNode(
      `
      import fs from 'node:fs';
      import zlib from 'node:zlib';
      import { allocate, explainError, installFaultReporter, keys, ProtectionMask, withMask } from 'mpk';
      await fs.promises.stat('.');            // the pool is running before any key exists
      const [key] = keys(1);
      const region = allocate(4096, { label: 'pool page' });
      const view = new Uint8Array(region.buffer);
      view.fill(0x61);
      key.protect(region);
      const path = '/tmp/mpk-pool-' + process.pid;
      const fd = fs.openSync(path, 'w');
      fs.unlinkSync(path);
      const asyncWrite = await new Promise((resolve) =>
        fs.write(fd, view, (err, written) => resolve(err ? { code: err.code, explained: explainError(err, view) } : { written })));
      const syncWrite = fs.writeSync(fd, view);  // this thread allows the key
      let syncWriteMasked = 'wrote';
      try { withMask(ProtectionMask.zero(), () => fs.writeSync(fd, view)); } catch (err) { syncWriteMasked = err.code; }
      console.log(JSON.stringify({ key: key.id, pid: process.pid, asyncWrite, syncWrite, syncWriteMasked }));
      installFaultReporter({ required: true });
      zlib.deflate(view, () => console.log('deflated'));   // zlib reads the input on a pool thread
      `,
      { cwd: packageDir },
    );
    const facts = lastJson<PoolFacts>(result);
    expect(facts.asyncWrite.code).toBe('EFAULT');
    expect(facts.asyncWrite.explained).toContain(`carries protection key ${facts.key}`);
    expect(facts.asyncWrite.explained).toContain('the call that failed ran on another thread');
    expect(facts.syncWrite).toBe(4096);
    expect(facts.syncWriteMasked).toBe('EFAULT');

    expect(result.signal).toBe('SIGSEGV');
    expect(result.stdout).not.toContain('deflated');
    const line = /^mpk: protection key violation: .* key=(\d+) pkru=0x([0-9a-f]{8}) tid=(\d+) region="pool page"\+0x[0-9a-f]+$/m.exec(result.stderr);
    expect(line, result.stderr).not.toBeNull();
    const [, key, pkru, tid] = line as unknown as string[];
    expect(Number(key)).toBe(facts.key);
    expect(denies(Number.parseInt(pkru as string, 16), facts.key)).toBe(true);
    expect(Number(tid)).not.toBe(facts.pid); // not the main thread: a pool thread
  });

  /** A CommonJS child: nothing touches the pool before the first fs.write below. */
  function coldPool(body: string) {
    return runNode(
      `
      const fs = require('node:fs');
      const { allow, allocate, enter, keys, ProtectionMask } = require('mpk');
      const threads = () => fs.readdirSync('/proc/self/task').length;
      const [key] = keys(1);
      const region = allocate(4096, { label: 'cold pool page' });
      const view = new Uint8Array(region.buffer);
      view.fill(0x62);
      key.protect(region);
      const path = '/tmp/mpk-pool-' + process.pid;
      const fd = fs.openSync(path, 'w');
      fs.unlinkSync(path);
      const before = threads();
      ${body}
      `,
      { cwd: packageDir, type: 'commonjs', env: { UV_THREADPOOL_SIZE: '2' } },
    );
  }

  it('a pool started while the thread allows the key inherits that, and keeps it whatever the caller does later', () => {
    const result = coldPool(`
      fs.write(fd, view, (err, written) => {
        const first = err ? err.code : written;
        const started = threads() - before;
        const scope = enter(ProtectionMask.zero());   // this thread now denies the key...
        fs.write(fd, view, (err2, written2) => {      // ...but the pool thread does not ask it
          scope[Symbol.dispose]();
          console.log(JSON.stringify({ first, started, whileDenied: err2 ? err2.code : written2 }));
        });
      });
    `);
    expect(result.stderr).toBe('');
    expect(lastJson(result)).toEqual({ first: 4096, started: 2, whileDenied: 4096 });
  });

  it('a pool started while the thread denies the key inherits the denial: fs.write gets EFAULT', () => {
    const result = coldPool(`
      allow(ProtectionMask.zero());
      fs.write(fd, view, (err, written) => {
        allow(ProtectionMask.all());
        const started = threads() - before;
        fs.write(fd, view, (err2, written2) => {
          console.log(JSON.stringify({ first: err ? err.code : written, started, afterAllow: err2 ? err2.code : written2 }));
        });
      });
    `);
    expect(result.stderr).toBe('');
    // allow(all()) afterwards changes only this thread: the pool keeps denying.
    expect(lastJson(result)).toEqual({ first: 'EFAULT', started: 2, afterAllow: 'EFAULT' });
  });
});

describe('async functions', () => {
  it('a mask entered before an await stays on the thread: code that runs meanwhile sees it', async () => {
    const [key] = keys(1);
    if (key === undefined) throw new Error('no key allocated under PKU');
    const region = allocate(4096, { label: 'await page' });
    key.protect(region);
    try {
      let seenMeanwhile: ProtectionMask | undefined;
      const meanwhile = new Promise<void>((resolve) =>
        setImmediate(() => {
          seenMeanwhile = currentMask(); // some unrelated callback, run while the scope below awaits
          resolve();
        }),
      );
      {
        using _scope = enter(ProtectionMask.zero());
        await meanwhile;
      }
      expect(seenMeanwhile?.allows(key, 'read')).toBe(false);
      expect(currentMask().allows(key)).toBe(true);
    } finally {
      region.free();
    }
  });

  it('withMask() refuses async callbacks before switching, and undoes the mask before a returned promise resumes', async () => {
    const [key] = keys(1);
    if (key === undefined) throw new Error('no key allocated under PKU');
    const mask = ProtectionMask.zero();
    expect(() => withMask(mask, async () => 1)).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
    expect(currentMask().allows(key)).toBe(true);

    let resumedUnder: ProtectionMask | undefined;
    let pending: Promise<void> | undefined;
    expect(() =>
      withMask(mask, () => {
        pending = Promise.resolve().then(() => {
          resumedUnder = currentMask();
        });
        return pending;
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_MPK_ASYNC_SCOPE' }));
    await pending;
    // The continuation ran without the mask: that is why withMask() refuses it.
    expect(resumedUnder?.allows(key)).toBe(true);
  });
});
