/**
 * allow() switches for a fixed time, interleaved with garbage collection and
 * worker threads, under real PKU (issue 9). The main thread and two worker
 * threads each switch masks in a loop (allow(), withMask(), enter()), touch
 * the Region each mask allows (a wrong mask would kill the process with
 * SIGSEGV: the test would fail as a crashed file), collect garbage, and
 * check with probeAccess() that the keys a mask denies really are denied.
 * The workers adopt the main thread's keys (mpk-sys's shared key record).
 * At the end every thread's PKRU must be what it last asked for, with the
 * bits of keys mpk does not own (V8's key 1, key 0) untouched.
 *
 * 10 seconds by default; MPK_SOAK_SECONDS sets it.
 */
import { fileURLToPath } from 'node:url';
import { setImmediate as tick } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { reportNumbers } from '../../../test-support/reliability.js';
import { allocate, allow, enter, keys, ownedBits, ProtectionMask, withMask } from '../src/index.js';
import { gcFunction } from './fixtures/soak-loops.mjs';

const SECONDS = Number(process.env.MPK_SOAK_SECONDS ?? 0) || 10;
const WORKERS = 2;
const workerFile = fileURLToPath(new URL('./fixtures/switch-worker.mjs', import.meta.url));

interface WorkerReport {
  index: number;
  start: number;
  end: number;
  own: number;
  ids: number[];
  switches: number;
  gcs: number;
  probes: number;
  problems: string[];
}

interface Started {
  /** Resolves once the worker adopted the keys and tagged its Regions. */
  ready: Promise<void>;
  /** The worker's report at the end. */
  report: Promise<WorkerReport>;
  go(deadline: number): void;
}

function startWorker(index: number): Started {
  const worker = new Worker(workerFile, { workerData: { index } });
  let signalReady: () => void = () => {};
  let failReady: (error: unknown) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    signalReady = resolve;
    failReady = reject;
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    worker.on('message', (message: { ready?: boolean } & WorkerReport) => (message.ready ? signalReady() : resolve(message)));
    worker.once('error', (error) => {
      failReady(error);
      reject(error);
    });
    worker.once('exit', (code) => {
      const error = new Error(`worker ${index} exited with ${code} before reporting`);
      failReady(error);
      reject(error);
    });
  });
  // Handled here so that an early failure is not an unhandled rejection meanwhile; awaited below.
  ready.catch(() => {});
  report.catch(() => {});
  return { ready, report, go: (deadline) => worker.postMessage({ deadline }) };
}

describe('mask switches for a fixed time, with GC and worker threads', () => {
  it(`${SECONDS} s of switching in the main thread and ${WORKERS} workers: no fault, every PKRU as asked`, { timeout: (SECONDS + 120) * 1000 }, async () => {
    const gc = gcFunction();
    const all = keys(15);
    expect(all.length).toBeGreaterThanOrEqual(13);
    const regions = all.map((key) => {
      const region = allocate(4096, { label: `main key ${key.id}` });
      key.protect(region);
      return region;
    });
    const masks = all.map((key) => ProtectionMask.zero().or(key));
    const start = pkru.read();

    const workers = Array.from({ length: WORKERS }, (_, index) => startWorker(index));
    await Promise.all(workers.map((w) => w.ready));
    const deadline = Date.now() + SECONDS * 1000;
    for (const w of workers) w.go(deadline);

    let switches = 0;
    let gcs = 0;
    let probes = 0;
    const problems: string[] = [];
    for (let i = 0; Date.now() < deadline; i++) {
      const k = i % all.length;
      const view = new Uint8Array(regions[k]!.buffer);
      switch (i % 3) {
        case 0:
          allow(masks[k]!);
          view[i % 4096] = i & 0xff;
          allow(ProtectionMask.all());
          break;
        case 1:
          withMask(masks[k]!, () => view[i % 4096]);
          break;
        default: {
          using scope = enter(masks[k]!);
          view[(i * 7) % 4096] ^= 1;
        }
      }
      switches += 2;
      if (i % 64 === 0 && pkru.read() !== start) problems.push(`main, iteration ${i}: PKRU 0x${pkru.read().toString(16)}, not 0x${start.toString(16)}`);
      if (i % 200 === 0) {
        allocate(4096); // garbage
        gc();
        gcs++;
        await tick(); // the workers' messages, and the finalizers
      }
      if (i % 1500 === 0) {
        const other = (k + 1) % all.length;
        const result = withMask(masks[k]!, () => sys.probeAccess(regions[other]!.buffer, 0, 'write'));
        probes++;
        if (result.outcome !== 'fault' || result.pkey !== all[other]!.id) problems.push(`main: probe of key ${all[other]!.id} under the mask of key ${all[k]!.id}: ${result.outcome} ${result.pkey}`);
      }
    }
    const reports = await Promise.all(workers.map((w) => w.report));

    // The main thread's register is back where it started.
    expect(pkru.read()).toBe(start);
    const owned = ownedBits();
    for (const report of reports) {
      problems.push(...report.problems.map((p) => `worker ${report.index}: ${p}`));
      // Every worker switched for the whole time, alongside the main thread.
      expect(report.switches, `worker ${report.index} switches`).toBeGreaterThan(100);
      // Same keys, same order (stripes) as the main thread.
      expect(report.ids).toEqual(all.map((key) => key.id));
      // Its last mask: only its own key of ours open, every other bit as the worker started.
      for (const key of all) expect(pkru.rights(report.end, key.id), `worker ${report.index} key ${key.id}`).toBe(key.id === report.own ? 0 : 3);
      expect((report.end & ~owned) >>> 0).toBe((report.start & ~owned) >>> 0);
    }
    for (const region of regions) region.free();
    const total = switches + reports.reduce((sum, r) => sum + r.switches, 0);
    reportNumbers(
      'switch',
      `switch: ${SECONDS} s, ${total} mask switches (main ${switches}, workers ${reports.map((r) => r.switches).join(', ')}), ${gcs + reports.reduce((s, r) => s + r.gcs, 0)} GCs, ${probes + reports.reduce((s, r) => s + r.probes, 0)} denied probes, no fault`,
      { seconds: SECONDS, switches: total, workers: WORKERS },
    );
    expect(problems).toEqual([]);
  });
});
