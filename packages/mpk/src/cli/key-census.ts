import * as sys from 'mpk-sys';
import { emit, howItEnded, runChild, stage, stderrTail } from './child.js';
import { readSmapsKeys, type KeyedMapping } from './smaps.js';

/**
 * How many protection keys a Node process can get, and who holds the others.
 *
 * A fresh child process calls pkey_alloc(0, 0) until the kernel says ENOSPC,
 * notes the ids, and frees them all, so the doctor itself never holds a key.
 * Keys 1..15 that never come back are held by someone else in the process:
 * in Node 20 V8 takes key 1 at startup. To show what a held key is used for,
 * the child then compiles a tiny WebAssembly module (V8 tags its wasm code
 * space with its key) and reads which mappings carry a key in its own
 * /proc/self/smaps.
 */
export interface KeyCensus {
  /** Keys pkey_alloc handed out, in order. */
  free: number[];
  /** Keys 1..15 that pkey_alloc never handed out. */
  heldByOthers: number[];
  /** How the allocation loop ended, e.g. "ENOSPC". */
  stoppedBy: string;
  /** Mappings carrying a key other than 0, after a wasm compile. */
  mappings: KeyedMapping[];
  /** Whether the kernel prints ProtectionKey lines in smaps. */
  smapsReportsKeys: boolean;
}

export type CensusOutcome = { ok: true; census: KeyCensus } | { ok: false; error: string };

/** The global WebAssembly object (not in this project's TypeScript libs), as far as it is used here. */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

/** A module with one exported function returning 42: enough to make V8 create its code space. */
const TINY_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00, // export "run" = function 0
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // code: i32.const 42, end
]);

/** Child side (`mpk __child census`). */
export function censusChild(): void {
  const free: number[] = [];
  let stoppedBy = 'no error (all 15 keys)';
  for (let attempt = 0; attempt < 16; attempt++) {
    try {
      free.push(sys.pkeyAlloc(0, 0));
    } catch (error) {
      stoppedBy = (error as { code?: string }).code ?? String(error);
      break;
    }
  }
  for (const key of free) sys.pkeyFree(key);
  let wasm: number | string;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(TINY_WASM));
    wasm = (instance.exports.run as () => number)();
  } catch (error) {
    wasm = String(error);
  }
  const smaps = readSmapsKeys();
  emit({ stage: 'census', free, stoppedBy, wasm, smapsReportsKeys: smaps.reported, mappings: smaps.mappings });
}

/** Parent side: runs the census in a child and reads its answer. */
export async function takeKeyCensus(): Promise<CensusOutcome> {
  const run = await runChild(['census']);
  const answer = stage<{ free: number[]; stoppedBy: string; smapsReportsKeys: boolean; mappings: KeyedMapping[] }>(run, 'census');
  if (run.status !== 0 || answer === undefined) {
    return { ok: false, error: `the key census child failed (${howItEnded(run)}): ${stderrTail(run) || 'no output'}` };
  }
  const free = [...answer.free].sort((a, b) => a - b);
  // With nothing handed out at all, a missing key says nothing about who holds it.
  const heldByOthers: number[] = [];
  if (free.length > 0) for (let key = 1; key <= 15; key++) if (!free.includes(key)) heldByOthers.push(key);
  return {
    ok: true,
    census: { free, heldByOthers, stoppedBy: answer.stoppedBy, mappings: answer.mappings, smapsReportsKeys: answer.smapsReportsKeys },
  };
}
