import { defineConfig } from 'tsup';

// zod and ini are bundled, tree-shaken, into the chunks that use them: from node_modules a fresh process
// spends 50-60 ms loading zod's ~80 module files and ~10 ms on ini (CommonJS), which the way to a session's
// first credentials cannot afford; bundled, the parts of zod/mini it uses are one small chunk.
const bundled = ['zod', 'ini'];

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'server/index': 'src/server/index.ts',
      'testing/index': 'src/testing/index.ts',
      // The provider's login worker, found beside the bundle that starts it (dist/login-worker.js or .cjs).
      'login-worker': 'src/credentials/login-worker.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    noExternal: bundled,
  },
  {
    // The CLI is an executable, not an import target: ESM only, with a shebang.
    // The login worker again beside main.js, where the CLI's providers look for it.
    entry: { 'cli/main': 'src/cli/main.ts', 'cli/login-worker': 'src/credentials/login-worker.ts' },
    format: ['esm'],
    dts: false,
    // The reference server (and with it hono, an optional peer dependency) is a chunk of its own, loaded
    // by `server` and `demo` only: the other commands run without hono installed.
    splitting: true,
    noExternal: bundled,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
