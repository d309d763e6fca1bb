import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type BuildOptions } from 'esbuild';

/** The project root, for `src/…` paths inside scripts. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles the login worker (src/credentials/login-worker.ts) to `outfile`, as tsup does for dist/;
 * `plugins` replace parts of it for a test (e.g. a login that never answers).
 */
export async function buildLoginWorker(outfile: string, plugins: NonNullable<BuildOptions['plugins']> = []): Promise<void> {
  await build({
    plugins,
    entryPoints: [join(projectRoot, 'src/credentials/login-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'error',
    absWorkingDir: projectRoot,
  });
}

/** Options of one fresh-process run. */
export interface FreshRunOptions {
  /** Node options before the script (e.g. `--cpu-prof`, `--import`). */
  nodeArgs?: string[];
  /** Default 15 s. */
  timeoutMs?: number;
  /**
   * Bundle as tsup does for dist/: dynamic imports become chunks of their own, loaded when reached. Without
   * it the script is one file, and every package it reaches is imported at its top.
   */
  splitting?: boolean;
}

/**
 * Runs TypeScript snippets in a fresh Node process (vitest's own imports would hide process-wide effects
 * such as globals). Each script is bundled with esbuild, bare imports left to node_modules, and must print
 * one JSON object on stdout.
 */
export function createFreshProcessRunner(prefix: string): {
  setup: () => Promise<void>;
  cleanup: () => Promise<void>;
  run: (name: string, source: string, options?: FreshRunOptions) => Promise<Record<string, unknown>>;
} {
  let dir: string | undefined;
  return {
    async setup() {
      // Inside the project so the bundle's bare imports resolve from node_modules; .cache does not exist after `npm ci`.
      await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
      dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', prefix));
      // As in dist/: the login worker beside the bundle that starts it, in an ESM package scope.
      await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
      await buildLoginWorker(join(dir, 'login-worker.js'));
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    async run(name, source, options = {}) {
      if (!dir) throw new Error('createFreshProcessRunner: call setup() first');
      const entry = join(dir, `${name}.ts`);
      const out = join(dir, `${name}.mjs`);
      await writeFile(entry, source);
      const common = { entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error', absWorkingDir: projectRoot, nodePaths: [join(projectRoot, 'node_modules')] } satisfies BuildOptions;
      // Chunks beside the entry, as in dist/: the login worker (built above) is found beside them.
      if (options.splitting === true) await build({ ...common, splitting: true, outdir: dir, entryNames: '[name]', outExtension: { '.js': '.mjs' }, chunkNames: `${name}-chunk-[hash]` });
      else await build({ ...common, outfile: out });
      const { stdout } = await promisify(execFile)(process.execPath, [...(options.nodeArgs ?? []), out], { cwd: projectRoot, timeout: options.timeoutMs ?? 15_000 });
      return JSON.parse(stdout) as Record<string, unknown>;
    },
  };
}
