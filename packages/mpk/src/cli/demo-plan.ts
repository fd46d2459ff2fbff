/**
 * What `mpk demo` tries, and what each tenant keeps in its slot. Pure, so the
 * plan can be checked without any hardware.
 */
export interface Attempt {
  /** Whose code runs (pool.run(tenant, ...)). */
  tenant: number;
  /** Which slot it reads. */
  target: number;
}

const WORDS = ['amber', 'birch', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kestrel', 'lumen', 'marble', 'nectar', 'onyx', 'pebble'];

/** Tenant i's secret, written into slot i. */
export function secretOf(tenant: number): string {
  return `tenant-${tenant}-${WORDS[tenant % WORDS.length]}`;
}

/**
 * A few reads, each run in its own child: a neighbour, its own slot, a slot
 * further away, and the last tenant reaching back to slot 0. When there are
 * more tenants than stripes (keys), slot `stripes` shares slot 0's key, and
 * tenant 0 reading it shows that isolation is per key, not per slot.
 * `crossSlotOnly` leaves out the reads of a tenant's own slot (for
 * --broken-mask, where only the reads of other slots say anything).
 */
export function planAttempts(tenants: number, stripes: number, crossSlotOnly = false): Attempt[] {
  const candidates: [number, number][] = [
    [0, 1],
    [1, 1],
    [2, 0],
    [3, 3],
    [tenants - 1, 0],
  ];
  if (stripes < tenants && stripes > 0) candidates.push([0, stripes]);
  const seen = new Set<string>();
  const attempts: Attempt[] = [];
  for (const [tenant, target] of candidates) {
    const attempt = { tenant: tenant % tenants, target: target % tenants };
    const id = `${attempt.tenant}:${attempt.target}`;
    if (seen.has(id) || (crossSlotOnly && attempt.tenant === attempt.target)) continue;
    seen.add(id);
    attempts.push(attempt);
  }
  return attempts;
}
