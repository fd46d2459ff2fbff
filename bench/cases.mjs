// The rows of issue 7. Each case says what it needs (`pkru`: RDPKRU/WRPKRU may
// run; `keys`: the kernel handed out protection keys) and builds its timed
// function in prepare(), so that nothing a row does not measure (mapping the
// region, allocating keys, building masks and callbacks) lands in the timing.
//
// One "op" is one call of the timed function. The toggles are pairs on purpose:
// mprotect NONE then READ|WRITE is the same round trip as allow(mask) then
// allow(all()), so "mprotect toggle / allow-restore pair" compares like for like.
import { do_not_optimize } from 'mitata';

const KiB = 1024;

/**
 * @param {object} ctx
 * @param {typeof import('mpk-pkru')} ctx.pkru
 * @param {typeof import('mpk-sys')} ctx.sys
 * @param {typeof import('mpk-core')} ctx.core
 * @param {object | null} ctx.rawPkru the mpk-pkru addon itself (no TypeScript layer), or null
 * @param {readonly import('mpk-core').ProtectionKey[]} ctx.keys
 */
export function buildCases({ pkru, sys, core, rawPkru, keys }) {
  const RW = sys.PROT_READ | sys.PROT_WRITE;
  const NONE = sys.PROT_NONE;
  const key = keys[0];
  const mask = key ? core.ProtectionMask.zero().or(key) : null;
  const all = core.ProtectionMask.all();

  /** A populated mapping of `bytes` (touched, so its page-table entries exist, as in real use). */
  function populated(bytes) {
    const buffer = sys.mmap(bytes);
    new Uint8Array(buffer).fill(1);
    return buffer;
  }

  const cases = [
    // --- the floor: the cheapest JS-visible call into native code -------------
    {
      id: 'floor-pkru',
      group: 'floor',
      label: 'pkru.noop() (empty Node-API call)',
      prepare: () => ({ fn: () => pkru.noop() }),
    },
    {
      id: 'floor-sys',
      group: 'floor',
      label: 'sys.noop() (empty Node-API call)',
      prepare: () => ({ fn: () => sys.noop() }),
    },

    // --- switching access: the API a sandbox calls on every switch ------------
    {
      id: 'current-mask',
      group: 'switch',
      label: 'currentMask()',
      needs: 'pkru',
      prepare: () => ({ fn: () => do_not_optimize(core.currentMask()) }),
    },
    {
      id: 'allow',
      group: 'switch',
      label: 'allow(mask)',
      needs: 'keys',
      prepare: () => ({ fn: () => core.allow(mask), cleanup: () => core.allow(all) }),
    },
    {
      id: 'allow-restore',
      group: 'switch',
      label: 'allow(mask) + allow(all()) pair',
      needs: 'keys',
      prepare: () => ({
        fn: () => {
          core.allow(mask);
          core.allow(all);
        },
      }),
    },
    {
      id: 'with-mask',
      group: 'switch',
      label: 'withMask(mask, fn) (fn returns a number)',
      needs: 'keys',
      prepare: () => {
        const body = () => 1;
        return { fn: () => do_not_optimize(core.withMask(mask, body)) };
      },
    },

    // --- where the time of a switch goes (diagnostic layers under allow) ------
    {
      id: 'pkru-read',
      group: 'layers',
      label: 'pkru.read() (RDPKRU)',
      needs: 'pkru',
      prepare: () => ({ fn: () => do_not_optimize(pkru.read()) }),
    },
    {
      id: 'pkru-update-raw',
      group: 'layers',
      label: 'addon update(v, owned), no TS layer',
      needs: 'keys',
      skipIf: () => (rawPkru === null ? 'the mpk-pkru addon could not be loaded directly' : null),
      prepare: () => {
        const owned = core.ownedBits();
        const value = mask.value;
        return { fn: () => do_not_optimize(rawPkru.update(value, owned)), cleanup: () => core.allow(all) };
      },
    },
    {
      id: 'pkru-update',
      group: 'layers',
      label: 'pkru.update(v, owned)',
      needs: 'keys',
      prepare: () => {
        const owned = core.ownedBits();
        const value = mask.value;
        return { fn: () => do_not_optimize(pkru.update(value, owned)), cleanup: () => core.allow(all) };
      },
    },

    // --- the alternative: page-table syscalls ---------------------------------
    ...[4 * KiB, 64 * KiB].map((bytes) => ({
      id: `mprotect-toggle-${bytes / KiB}k`,
      group: 'syscall',
      label: `mprotect NONE<->RW ${bytes / KiB} KiB pair`,
      prepare: () => {
        const buffer = populated(bytes);
        return {
          fn: () => {
            sys.mprotect(buffer, NONE);
            sys.mprotect(buffer, RW);
          },
          cleanup: () => sys.munmap(buffer),
        };
      },
    })),
    ...[4 * KiB, 64 * KiB].map((bytes) => ({
      id: `pkey-mprotect-toggle-${bytes / KiB}k`,
      group: 'syscall',
      label: `pkeyMprotect NONE<->RW ${bytes / KiB} KiB pair`,
      needs: 'keys',
      prepare: () => {
        const buffer = populated(bytes);
        const id = key.id;
        return {
          fn: () => {
            sys.pkeyMprotect(buffer, NONE, id);
            sys.pkeyMprotect(buffer, RW, id);
          },
          cleanup: () => sys.munmap(buffer),
        };
      },
    })),

    // --- memory ---------------------------------------------------------------
    {
      id: 'mmap-munmap-64k',
      group: 'memory',
      label: 'sys.mmap + munmap 64 KiB (bare)',
      prepare: () => ({ fn: () => sys.munmap(sys.mmap(64 * KiB)) }),
    },
    {
      id: 'allocate-free-64k',
      group: 'memory',
      label: 'allocate(64 KiB) + free()',
      prepare: () => ({ fn: () => core.allocate(64 * KiB).free() }),
    },

    // --- pools: the library against the same syscalls in a bare loop ----------
    ...[10, 100, 1000].flatMap((slots) => poolCases(slots)),
  ];

  /**
   * A pool of `slots` slots of 64 KiB, no guard, every key as a stripe; and the
   * same syscalls by hand: mmap of the slab, one pkeyMprotect per slot with the
   * key of its stripe, (mprotect of the tail guard if the layout has one), munmap.
   */
  function poolCases(slots) {
    const options = { slots, slotBytes: 64 * KiB };
    return [
      {
        id: `pool-bare-${slots}`,
        group: 'pool',
        label: `bare mmap + ${slots} pkeyMprotect + munmap`,
        needs: 'keys',
        prepare: () => {
          // The exact layout the pool uses, so both rows make the same syscalls.
          const probe = core.createStripedPool(options);
          const layout = probe.layout();
          probe.free();
          const { slotBytes, totalBytes, postGuardBytes, keys: ids } = layout;
          const stripes = ids.length;
          return {
            fn: () => {
              const buffer = sys.mmap(totalBytes);
              for (let i = 0; i < slots; i++) {
                sys.pkeyMprotect(new Uint8Array(buffer, i * slotBytes, slotBytes), RW, ids[i % stripes]);
              }
              if (postGuardBytes > 0) sys.mprotect(new Uint8Array(buffer, slots * slotBytes, postGuardBytes), NONE);
              sys.munmap(buffer);
            },
            layout,
          };
        },
      },
      {
        id: `pool-${slots}`,
        group: 'pool',
        label: `createStripedPool(${slots} slots) + free()`,
        needs: 'keys',
        prepare: () => ({ fn: () => core.createStripedPool(options).free() }),
      },
    ];
  }

  return cases;
}

/**
 * The ratios issue 7 asks for, each with its target where it has one:
 * `max` means the ratio must be at most that, `min` at least that.
 */
export const RATIOS = [
  { id: 'floorSys/floorPkru', num: 'floor-sys', den: 'floor-pkru', label: 'sys.noop() / pkru.noop() (two floors: ~1x, else noise)' },
  { id: 'allow/floor', num: 'allow', den: 'floor-pkru', max: 1.3, label: 'allow() / empty Node-API call' },
  { id: 'withMask/floor', num: 'with-mask', den: 'floor-pkru', max: 2.5, label: 'withMask() / empty Node-API call' },
  { id: 'allowRestore/floor', num: 'allow-restore', den: 'floor-pkru', label: 'allow/restore pair / empty Node-API call' },
  { id: 'currentMask/floor', num: 'current-mask', den: 'floor-pkru', label: 'currentMask() / empty Node-API call' },
  { id: 'rawUpdate/floor', num: 'pkru-update-raw', den: 'floor-pkru', label: 'addon update() / empty Node-API call' },
  { id: 'mprotect64k/allowRestore', num: 'mprotect-toggle-64k', den: 'allow-restore', min: 30, label: 'mprotect toggle 64 KiB / allow-restore pair' },
  { id: 'mprotect4k/allowRestore', num: 'mprotect-toggle-4k', den: 'allow-restore', label: 'mprotect toggle 4 KiB / allow-restore pair' },
  { id: 'pkeyMprotect64k/allowRestore', num: 'pkey-mprotect-toggle-64k', den: 'allow-restore', label: 'pkeyMprotect toggle 64 KiB / allow-restore pair' },
  { id: 'allocate/mmap', num: 'allocate-free-64k', den: 'mmap-munmap-64k', label: 'allocate+free / bare mmap+munmap (64 KiB)' },
  { id: 'pool10/bare', num: 'pool-10', den: 'pool-bare-10', label: 'pool of 10 / bare syscalls' },
  { id: 'pool100/bare', num: 'pool-100', den: 'pool-bare-100', label: 'pool of 100 / bare syscalls' },
  { id: 'pool1000/bare', num: 'pool-1000', den: 'pool-bare-1000', max: 1.2, label: 'pool of 1,000 / bare syscalls' },
];
