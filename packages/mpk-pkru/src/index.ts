/**
 * mpk-pkru: the x86 PKRU register from Node.js.
 *
 * - detection: hasCpuidBitSet() (PKU), osEnabled() (OSPKE), cpuVendor();
 * - the register: read(), write(), update() (change only the bits you own),
 *   noop() (the empty native call benchmarks measure against);
 * - arithmetic that needs no hardware: keyBits(), rights(), withRights(),
 *   describe(), decode() and the constants.
 */
export { available, unavailableReason } from './binding.js';
export { hasCpuidBitSet, osEnabled, cpuVendor } from './cpuid.js';
export { read, write, update, noop } from './register.js';
export { ownBits, ownedBits, switcher } from './switch.js';
export {
  KEY_COUNT,
  ALLOW_ACCESS,
  DISABLE_ACCESS,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  DEFAULT_PKRU,
  keyBits,
  rights,
  withRights,
  type Rights,
} from './bits.js';
export { describe, decode, type KeyRights } from './describe.js';
export { MpkError, type MpkErrorCode } from './errors.js';
