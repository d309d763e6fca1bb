// Process-level guards for the reliability suites: unhandled rejections and timers left behind.

/** Records every unhandled rejection while installed (the test asserts the list is empty). */
export function trackUnhandledRejections(): { readonly rejections: unknown[]; dispose(): void } {
  const rejections: unknown[] = [];
  const listener = (reason: unknown) => {
    rejections.push(reason);
  };
  process.on('unhandledRejection', listener);
  return {
    rejections,
    dispose: () => {
      process.off('unhandledRejection', listener);
    },
  };
}

/** Timers (ref'ed) Node reports as active right now. */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

/**
 * Wraps the global setTimeout/clearTimeout to remember every timer created from this project's `src/`
 * (by stack), so a timer the library forgot to clear is found even when it is unref'ed (Node does not
 * list unref'ed timers in getActiveResourcesInfo).
 */
export function trackLibraryTimers(dirs: readonly string[] = ['/src/credentials/', '/src/http/', '/src/idp/']): { outstanding(): string[]; dispose(): void } {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const live = new Map<unknown, string>();
  const fromLibrary = (stack: string) =>
    stack
      .split('\n')
      .slice(2)
      .some((line) => dirs.some((dir) => line.includes(dir)) && !line.includes('node_modules'));
  const patchedSet = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const stack = new Error().stack ?? '';
    const handle: unknown = realSet(
      (...inner: unknown[]) => {
        live.delete(handle);
        callback(...inner);
      },
      ms,
      ...args,
    );
    if (fromLibrary(stack)) live.set(handle, stack.split('\n').slice(2, 5).join(' | '));
    return handle;
  }) as unknown as typeof setTimeout;
  const patchedClear = ((handle: unknown) => {
    live.delete(handle);
    realClear(handle as Parameters<typeof clearTimeout>[0]);
  }) as typeof clearTimeout;
  globalThis.setTimeout = patchedSet;
  globalThis.clearTimeout = patchedClear;
  return {
    outstanding: () => [...live.values()],
    dispose() {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

/** Lets pending callbacks and socket closes run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
