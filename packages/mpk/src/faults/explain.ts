import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { mappings } from './mappings.js';

/**
 * Why a system call said EFAULT ("bad address") about a buffer that is
 * plainly valid.
 *
 * The kernel's own accesses to user memory honour the calling thread's PKRU:
 * write(2) from pages whose key the thread may not read, or read(2) into pages
 * it may not write, fail with EFAULT instead of raising a signal. A
 * synchronous call (fs.writeSync) runs on the calling thread, under its
 * mask. An asynchronous one (fs.write, fs.read, fs.promises.*) runs on a libuv
 * thread-pool thread, whose PKRU is its own: a pool thread keeps the PKRU it
 * was created with, and threads created before a key was allocated deny that
 * key. In an ES module application the pool starts while modules load, before
 * any of your code can allocate keys, so async calls on protected memory get
 * EFAULT there; see "Threads, the thread pool and async" in the README.
 */

const EFAULT_ERRNO = -14;

function isEfault(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === 'EFAULT' || errno === EFAULT_ERRNO;
}

/** What is known about the memory behind `target`: its key and label, if it is a mapping of ours. */
function describeTarget(target: ArrayBuffer | ArrayBufferView): string | undefined {
  let address: bigint;
  try {
    address = sys.addressOf(target);
  } catch {
    return 'The buffer is not memory from allocate(), so no protection key of this library covers it; the address itself was refused.';
  }
  const mapping = mappings().find((entry) => entry.start <= address && address < entry.end);
  const key = mapping?.protectionKey;
  const name = mapping?.label === undefined ? '' : ` (the Region "${mapping.label}")`;
  if (key === undefined) return `The buffer at 0x${address.toString(16)}${name} is memory from allocate(); this kernel reports no protection keys for it.`;
  if (key === 0) return `The buffer at 0x${address.toString(16)}${name} carries no protection key (key 0), so its key is not the cause.`;
  let here = '';
  if (pkru.available && pkru.osEnabled()) {
    const value = pkru.read();
    const bits = pkru.rights(value, key);
    const shown = `0x${value.toString(16).padStart(8, '0')}`;
    const restriction = bits & pkru.PKEY_DISABLE_ACCESS ? 'denies all access to' : bits & pkru.PKEY_DISABLE_WRITE ? 'write-protects' : undefined;
    here =
      restriction === undefined
        ? ` This thread's PKRU (${shown}) allows key ${key} right now, so the call that failed ran on another thread: a thread-pool thread, if it was asynchronous.`
        : ` This thread's PKRU (${shown}) ${restriction} key ${key} right now as well.`;
  }
  return `The buffer at 0x${address.toString(16)}${name} carries protection key ${key}.${here}`;
}

/**
 * A plain-words explanation for an EFAULT error that protection keys can
 * cause, or undefined for any other error. Pass the buffer the failed call
 * was given to learn its key and label and whether this thread may touch it.
 *
 *     fs.write(fd, view, (err) => { if (err) console.error(explainError(err, view) ?? err); });
 */
export function explainError(error: unknown, target?: ArrayBuffer | ArrayBufferView): string | undefined {
  if (!isEfault(error)) return undefined;
  const syscall = (error as { syscall?: unknown }).syscall;
  const call = typeof syscall === 'string' ? `${syscall}(2)` : 'the system call';
  const lines = [
    `EFAULT from ${call}: the kernel refused to touch the buffer. The kernel's own reads and writes of user memory obey the calling thread's PKRU, so memory tagged with a protection key that thread denies is a "bad address" to it.`,
  ];
  if (target !== undefined) {
    const about = describeTarget(target);
    if (about !== undefined) lines.push(about);
  }
  lines.push(
    'Asynchronous fs, zlib and crypto calls run on libuv thread-pool threads, not on the calling thread: each pool thread keeps the PKRU it was created with, and threads created before a key was allocated deny that key.',
    "What to do: copy the bytes out of the Region into an ordinary Buffer inside withMask() and hand the copy to the async call (copy results back the same way), or make the synchronous call (fs.writeSync, fs.readSync) inside withMask(), where the calling thread's mask applies. See \"Threads, the thread pool and async\" in mpk's README.",
  );
  return lines.join('\n');
}
