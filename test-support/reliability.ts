import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The reliability suites (issue 9: fuzzing, the enforcement matrix, the
 * soaks) print their numbers, and, when scripts/test.sh collects reports
 * (MPK_TEST_REPORT_DIR is set), append them as JSON lines so that
 * scripts/test-summary.mjs can add them up:
 *
 *   fuzz-counts.jsonl   {"suite":"mpk-sys","calls":40000,"where":"host"}
 *   reliability.jsonl   {"kind":"matrix","line":"matrix: 112 cases, 112 matched",...}
 *
 * `where` is "host" for the host lane, "guest" for the PKU guest (which sets
 * MPK_IN_GUEST=1) and "pku" for the hardware lane on a CPU with PKU.
 *
 * No fast-check here: it is a devDependency of the packages, not of the
 * workspace root, so this file could not resolve it.
 */
export type Where = 'host' | 'guest' | 'pku';

export function where(): Where {
  if (process.env.MPK_IN_GUEST === '1') return 'guest';
  return process.env.MPK_TEST_LANE === 'pku' ? 'pku' : 'host';
}

function append(file: string, record: object): void {
  const dir = process.env.MPK_TEST_REPORT_DIR;
  if (!dir) return;
  try {
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, file), `${JSON.stringify(record)}\n`);
  } catch (error) {
    // The numbers are for the summary; failing to record them must not fail the test.
    console.warn(`reliability: could not record to ${join(dir, file)}: ${(error as Error).message}`);
  }
}

/** Prints `fuzz: <suite> <calls> calls` and records it for the summary. */
export function reportFuzzCalls(suite: string, calls: number): void {
  console.log(`fuzz: ${suite} ${calls} calls (${where()})`);
  append('fuzz-counts.jsonl', { suite, calls, where: where() });
}

/** Prints one line of numbers (matrix, soak, switch loop) and records it for the summary. */
export function reportNumbers(kind: string, line: string, data: Record<string, unknown> = {}): void {
  console.log(line);
  append('reliability.jsonl', { kind, line, where: where(), ...data });
}

/** What a fuzzed call may throw: an Error whose `code` is ERR_MPK_* or an errno name (EINVAL, ENOSPC...). */
export const ERROR_CODE = /^(ERR_MPK_[A-Z0-9_]+|E[A-Z0-9]+)$/;

/**
 * Counts calls and checks how each ended. `call(fn)` runs fn and returns
 * { ok: true, value } or { ok: false, error } when it threw an Error with a
 * string code matching ERROR_CODE; anything else (a throw without a code, a
 * non-Error) fails the test with the arguments that caused it.
 *
 * One exception: an argument that throws when it is looked at. A getter or
 * proxy trap the fuzz planted throws PLANTED, and a revoked proxy makes the
 * engine throw a TypeError on any inspection (even `instanceof`); a library
 * can only let those through, unchanged, and that is what is checked.
 */
export function thrownByArgument(error: unknown): boolean {
  return error === PLANTED || (error instanceof TypeError && /on a proxy that has been revoked/.test(error.message));
}

export class CallCounter {
  calls = 0;
  readonly codes = new Map<string, number>();

  constructor(private readonly foreign: (error: unknown) => boolean = thrownByArgument) {}

  call<T>(label: string, fn: () => T, describeArgs: () => string = () => ''): { ok: true; value: T } | { ok: false; error: Error & { code: string } } {
    this.calls++;
    try {
      return { ok: true, value: fn() };
    } catch (error) {
      if (this.foreign(error)) {
        this.codes.set('(thrown by the argument)', (this.codes.get('(thrown by the argument)') ?? 0) + 1);
        return { ok: false, error: error as Error & { code: string } };
      }
      const code = (error as { code?: unknown } | null)?.code;
      if (!(error instanceof Error) || typeof code !== 'string' || !ERROR_CODE.test(code)) {
        const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new Error(`${label}(${describeArgs()}) threw without an error code: ${shown} (code ${String(code)})`, { cause: error });
      }
      this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
      return { ok: false, error: error as Error & { code: string } };
    }
  }
}

/** A short, never-throwing rendering of fuzzed arguments for failure messages. */
export function showArgs(...args: unknown[]): string {
  return args.map(showValue).join(', ');
}

function showValue(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'symbol') return value.toString();
    if (typeof value === 'function') return `[function ${value.name}]`;
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
    if (value === null || typeof value !== 'object') return String(value);
    if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(offset ${value.byteOffset}, length ${value.byteLength})`;
    return Object.prototype.toString.call(value);
  } catch {
    return '[unprintable]';
  }
}

// ---- odd values for the fuzz suites ---------------------------------------------------

/** Thrown by the hostile getters and proxies below: passing it through unchanged is correct. */
export const PLANTED = new Error('planted by the fuzz: a getter of the argument threw');

function detachedBuffer(bytes: number): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

/** A view whose buffer was detached after the view was made. */
function detachedView(bytes: number): Uint8Array {
  const view = new Uint8Array(new ArrayBuffer(bytes), 7, 100);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

/**
 * Values no function of mpk accepts, some of them hostile: wrong types,
 * objects that convert to numbers, getters and proxies that throw (PLANTED),
 * a revoked proxy (any look at it throws a TypeError), detached buffers and
 * views, memory mpk did not map. `page` sizes the buffers.
 */
export function oddValues(page = 4096): unknown[] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const planted = () => {
    throw PLANTED;
  };
  return [
    null,
    undefined,
    true,
    false,
    '',
    '4096',
    'read',
    Symbol('fuzz'),
    Symbol.iterator,
    1n,
    -1n,
    2n ** 64n,
    {},
    [],
    [4096],
    () => 4096,
    async () => 4096,
    function* generator() {},
    new Date(0),
    /x/,
    new Map(),
    { valueOf: () => 4096, toString: () => '4096' },
    { [Symbol.toPrimitive]: () => 4096 },
    { then: () => undefined },
    Object.create(null),
    { get byteLength(): number { return planted(); }, get id(): number { return planted(); }, get value(): number { return planted(); } },
    new Proxy({}, { get: planted, has: planted, getPrototypeOf: planted, ownKeys: planted, getOwnPropertyDescriptor: planted }),
    revoked.proxy,
    new ArrayBuffer(page),
    new ArrayBuffer(0),
    detachedBuffer(page),
    detachedView(page),
    new SharedArrayBuffer(page),
    new Uint8Array(new SharedArrayBuffer(page)),
    Buffer.alloc(page),
    Buffer.from('pooled'),
    new DataView(new ArrayBuffer(64), 3),
    new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(page, { maxByteLength: 4 * page }),
    new WebAssembly.Memory({ initial: 1 }).buffer,
  ];
}

/** Numbers at and around every boundary mpk checks. */
export const SPECIAL_NUMBERS: readonly number[] = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  -1,
  1,
  0.5,
  1.5,
  -1.5,
  2,
  3,
  4,
  15,
  16,
  4095,
  4096,
  4097,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 46,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -(2 ** 31),
  -(2 ** 32),
];

/**
 * fast-check inspects the values it generates (and prints them on failure),
 * which a revoked or throwing Proxy would not survive: the fuzz suites pass
 * odd values around as a Box holding an index into their list, and unbox
 * them just before the call.
 */
export class Box {
  constructor(readonly index: number) {}
  toJSON(): string {
    return `odd value #${this.index}`;
  }
}

/** `value` with every Box in it (at the top, in arrays, in plain records) replaced by `values[index]`. */
export function unboxDeep<T>(value: T, values: readonly unknown[]): T {
  if (value instanceof Box) return values[value.index] as T;
  if (Array.isArray(value)) return value.map((item) => unboxDeep(item, values)) as T;
  const proto: unknown = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value as object)) out[name] = unboxDeep(item, values);
    return out as T;
  }
  return value;
}
