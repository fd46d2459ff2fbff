import { fileURLToPath } from 'node:url';
import * as pkru from 'mpk-pkru';
import * as sys from 'mpk-sys';
import { describe, expect, it } from 'vitest';
import { createStripedPool, keys } from '../src/index.js';
import { runNode } from '../../../test-support/child.js';
import { entriesIn, readSmaps } from '../../../test-support/smaps.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function readFromSlot(target: 'own' | 'neighbour') {
  return runNode(
    `
    import * as mpk from 'mpk-core';
    import * as sys from 'mpk-sys';
    sys.installFaultReporter();
    const pool = mpk.createStripedPool({ slots: 8, slotBytes: 4096, label: 'tenants' });
    for (let i = 0; i < 8; i++) pool.slot(i).buffer[0] = 100 + i;
    const neighbour = pool.slot(4).buffer;
    console.log('stripes ' + pool.layout().stripes + ' neighbour key ' + pool.slot(4).key.id);
    const value = pool.run(3, (slot) => ${target === 'own' ? 'slot.buffer[0]' : 'neighbour[0]'});
    console.log('read ' + value);
    `,
    { cwd: packageDir },
  );
}

describe('striped pool under real PKU', () => {
  it('inside run(i) the slot itself is readable', () => {
    const child = readFromSlot('own');
    expect(child.signal).toBeNull();
    expect(child.stdout).toContain('read 103');
  });

  it('inside run(i) a neighbour slot (another stripe) faults with its key', () => {
    const child = readFromSlot('neighbour');
    const key = /neighbour key (\d+)/.exec(child.stdout)?.[1];
    expect(child.signal).toBe('SIGSEGV');
    expect(child.stdout).not.toContain('read');
    expect(child.stderr).toMatch(new RegExp(`key=${key}\\b.*region="tenants"\\+0x4000`));
  });

  it("run() restores the caller's PKRU, also after a throw", () => {
    using pool = createStripedPool({ slots: 4, slotBytes: 4096 });
    const before = pkru.read();
    pool.run(1, (slot) => {
      expect(pkru.read()).not.toBe(before);
      return slot.buffer[0];
    });
    expect(pkru.read()).toBe(before);
    expect(() => pool.run(2, () => { throw new Error('tenant failed'); })).toThrow('tenant failed');
    expect(pkru.read()).toBe(before);
  });

  it('a 1,000-slot pool is created, shows its keys in smaps, and is freed', () => {
    const mappingsBefore = sys.liveMappings();
    const pool = createStripedPool({ slots: 1000, slotBytes: 4096 });
    const layout = pool.layout();
    expect(layout.stripes).toBe(Math.min(keys(15).length, 1000));
    const base = sys.addressOf(pool.slot(0).buffer);
    const entries = entriesIn(readSmaps(), base, layout.totalBytes);
    // Every slot is its own VMA (neighbours differ in key), each with the key of its stripe.
    expect(entries).toHaveLength(1000);
    entries.forEach((entry, index) => expect(entry.protectionKey).toBe(layout.keys[index % layout.stripes]));
    console.log(`1,000-slot pool: ${layout.stripes} stripes, keys ${layout.keys.join(',')}, ${entries.length} VMAs`);
    pool.free();
    expect(sys.liveMappings()).toBe(mappingsBefore);
    expect(entriesIn(readSmaps(), base, layout.totalBytes).filter((entry) => entry.protectionKey !== undefined && entry.protectionKey > 0)).toEqual([]);
  });
});

describe('pool limits under real PKU', () => {
  it('a coloured pool with more slots than vm.max_map_count allows is refused before any mapping', () => {
    const before = sys.liveMappings();
    expect(() => createStripedPool({ slots: 70_000, slotBytes: 4096 })).toThrow(expect.objectContaining({ code: 'ERR_MPK_TOO_MANY_MAPPINGS' }));
    expect(sys.liveMappings()).toBe(before);
  });
});
