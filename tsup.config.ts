import { defineConfig } from 'tsup';

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
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
