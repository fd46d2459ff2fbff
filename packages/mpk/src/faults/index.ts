/**
 * Diagnostics for protection keys: a reporter that names the key, address,
 * PKRU and Region of a protection fault before the process dies; a listing of
 * the process's mappings with their keys and labels; and an explanation for
 * the EFAULT errors that keys cause in system calls.
 */
export { installFaultReporter } from './reporter.js';
export type { FaultReporter, FaultReporterOptions } from './reporter.js';
export { mappings } from './mappings.js';
export type { Mapping } from './mappings.js';
export { explainError } from './explain.js';
