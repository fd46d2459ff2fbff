import * as pkru from 'mpk-pkru';
import { checkMask, ProtectionMask, type MaskRegister } from 'mpk-disabled';
import { adoptSharedKeys, state } from './state.js';

/**
 * Switching access. The PKRU bits this library may change are the two bits of
 * every key it allocated, and nothing else. Wasmtime's allow() writes the whole register,
 * which inside Node clobbers V8's key 1 (V8 write-protects its code space with
 * it) and any key another library holds (Wasmtime issue 4786). Here a switch is
 * one native call that reads PKRU, replaces only these bits and writes it back,
 * so key 0 and every key we do not own keep the value they have at that moment.
 * The call takes no arguments: each mask value gets its own prepared switch
 * (mpk-pkru's switcher), made once and kept.
 * Those bits live in the shared process state (./state.ts).
 */

/** RDPKRU/WRPKRU are legal only with OSPKE set; asked once, it cannot change while we run. */
const registerExists = pkru.available && pkru.osEnabled();

/** The PKRU bits of the keys this library holds. */
export function owned(): number {
  return state.ownedBits;
}

/**
 * The bits allow() may change. While this copy of the module holds no key it
 * looks for keys another thread published (a worker thread whose parent
 * allocated them); once it holds some, this is a property read.
 */
function ownedNow(): number {
  const bits = state.ownedBits;
  return bits !== 0 || !adoptSharedKeys() ? bits : state.ownedBits;
}

/** Prepared switches by mask value; a program uses a handful, the cap is a safety net. */
const switches = new Map<number, () => number>();
const SWITCH_CACHE_LIMIT = 1024;

function switchTo(value: number): () => number {
  let apply = switches.get(value);
  if (apply === undefined) {
    if (switches.size >= SWITCH_CACHE_LIMIT) switches.clear();
    apply = pkru.switcher(value);
    switches.set(value, apply);
  }
  return apply;
}

/**
 * Applies `mask` to the calling thread. With no key allocated there is nothing
 * of ours in the register, so nothing is written (and on a CPU without PKU
 * there is no register to write).
 */
export function allow(mask: ProtectionMask): void {
  checkMask(mask);
  if (ownedNow() !== 0) switchTo(mask.value)();
}

/** The calling thread's whole PKRU; every key is allowed where there is no PKRU. */
export function currentMask(): ProtectionMask {
  return registerExists ? ProtectionMask.fromValue(pkru.read()) : ProtectionMask.all();
}

/**
 * What scopes switch. Restoring writes back only our bits of the value saved on
 * entry, so a key someone else changed inside the scope keeps its new value.
 * Keys first allocated inside a scope have their bits restored too, to what they
 * were before allocation: allocate keys before entering scopes.
 */
export const register: MaskRegister = {
  swap(mask) {
    return ownedNow() === 0 ? currentMask().value : switchTo(mask.value)() >>> 0;
  },
  restore(previous) {
    if (state.ownedBits !== 0) switchTo(previous)();
  },
};
