import type * as Pkijs from 'pkijs';

/** The pkijs module namespace. */
export type PkijsModule = typeof Pkijs;

interface PkijsGlobalSlot {
  pkijs?: { engine?: unknown };
}

/**
 * Import pkijs without leaving a global behind. When pkijs is first evaluated it registers a default
 * engine as `global[process.pid].pkijs.engine` (its `setEngine`), which would replace the engine of an
 * application that uses its own copy of pkijs. We always pass an explicit engine, so we put that slot
 * back the way it was. The module system caches the import: later calls cost one microtask.
 */
export async function loadPkijs(): Promise<PkijsModule> {
  const holder = globalThis as unknown as Record<PropertyKey, PkijsGlobalSlot | undefined>;
  const key = process.pid;
  const hadSlot = Object.prototype.hasOwnProperty.call(holder, key);
  const slot = holder[key];
  const hadPkijs = slot !== undefined && typeof slot === 'object' && 'pkijs' in slot;
  const hadEngine = hadPkijs && slot.pkijs !== undefined && 'engine' in slot.pkijs;
  const engineBefore = hadEngine ? slot.pkijs?.engine : undefined;

  const pkijs = await import('pkijs');

  const after = holder[key];
  if (!hadSlot) {
    delete holder[key];
  } else if (after && typeof after === 'object') {
    if (!hadPkijs) delete after.pkijs;
    else if (after.pkijs && typeof after.pkijs === 'object') {
      if (hadEngine) after.pkijs.engine = engineBefore;
      else delete after.pkijs.engine;
    }
  }
  return pkijs;
}
