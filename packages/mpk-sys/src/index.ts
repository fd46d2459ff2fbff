/**
 * mpk-sys: Linux memory protection keys for Node.js, at the level of the
 * syscalls: pkey_alloc, pkey_free, pkey_mprotect, and the page-aligned
 * mmap/munmap/mprotect memory they need, plus the native parts of a fault
 * reporter. Every argument is validated here, in TypeScript, before the thin
 * C binding makes a syscall.
 */
export { available, unavailableReason } from './binding.js';
export {
  LABEL_MAX_BYTES,
  LABEL_TABLE_SLOTS,
  PKEY_DISABLE_ACCESS,
  PKEY_DISABLE_WRITE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  SEGV_PKUERR,
} from './constants.js';
export { isMpkError, isMpkSystemError, MpkError, MpkSystemError, type MpkErrorCode } from './errors.js';
export { addressOf, liveMappings, mappingOf, mmap, mprotect, munmap, type MappingInfo } from './mapping.js';
export { pkeyAlloc, pkeyFree, pkeyMprotect } from './pkey.js';
export { faultReporterInstalled, installFaultReporter, setMappingLabel, uninstallFaultReporter } from './fault-reporter.js';
export { labelOf, type LabelInfo } from './label-lookup.js';
export { noop, pageSize } from './system.js';
export { probeAccess, type ProbeOperation, type ProbeResult } from './probe.js';
export type { Target } from './target.js';
export { publishSharedKeySet, sharedKeySet } from './shared-keys.js';
