import * as sys from 'mpk-sys';
import { createStripedPool, ProtectionMask, withMask } from '../index.js';
import { emit } from './child.js';
import { secretOf } from './demo-plan.js';

/**
 * Child side of one demo attempt (`mpk __child tenant ...`): builds the
 * tenants' pool, puts each tenant's secret in its slot, and runs tenant
 * `tenant`'s code with access to its own slot only (pool.run), reading slot
 * `target`. A read the keys forbid is a protection fault that kills this
 * process; the parent sees SIGSEGV and the fault reporter's line.
 *
 * With `brokenMask` the tenant's code runs under ProtectionMask.all() instead
 * (every key open): the same read then succeeds, which shows that the block
 * comes from the hardware and not from a check in JavaScript.
 */
export interface TenantOptions {
  tenants: number;
  tenant: number;
  target: number;
  brokenMask: boolean;
}

export const POOL_LABEL = 'mpk demo tenants';

/** Creates the demo's pool and fills each slot with its tenant's secret (NUL-terminated). */
export function tenantPool(tenants: number) {
  const pool = createStripedPool({ slots: tenants, slotBytes: sys.pageSize(), label: POOL_LABEL });
  const encoder = new TextEncoder();
  for (let index = 0; index < tenants; index++) {
    const { buffer } = pool.slot(index);
    buffer.set(encoder.encode(secretOf(index)));
    buffer[secretOf(index).length] = 0;
  }
  return pool;
}

/** Reads a NUL-terminated string byte by byte: every byte is a load from the slot. */
function readString(view: Uint8Array): string {
  let text = '';
  for (let offset = 0; offset < view.length && view[offset] !== 0; offset++) text += String.fromCharCode(view[offset] as number);
  return text;
}

export function tenantChild(options: TenantOptions): void {
  sys.installFaultReporter();
  const pool = tenantPool(options.tenants);
  const own = pool.slot(options.tenant);
  const target = pool.slot(options.target);
  emit({
    stage: 'ready',
    tenant: options.tenant,
    slotKey: own.key?.id ?? null,
    target: options.target,
    targetKey: target.key?.id ?? null,
    stripes: pool.layout().stripes,
  });
  const read = () => readString(target.buffer);
  const value = options.brokenMask ? withMask(ProtectionMask.all(), read) : pool.run(options.tenant, read);
  emit({ stage: 'read', value });
}
