import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type BuildOptions, type Metafile } from 'esbuild';

/** The project root, for `src/…` paths inside scripts. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The dependencies tsup.config.ts bundles into dist/ (tree-shaken into the chunks that use them). */
export const BUNDLED_DEPENDENCIES: readonly string[] = ['zod', 'ini'];

/** What dist/ leaves to node_modules: every dependency and peer dependency except the bundled ones. */
export function distExternals(): string[] {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].filter((name) => !BUNDLED_DEPENDENCIES.includes(name));
}

/**
 * The package a node_modules path belongs to (`zod`, `@hono/node-server`), if it is one; not the bundles
 * these runners write to `node_modules/.cache`.
 */
export function packageOf(path: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/.][^/]*)\//.exec(path)?.[1];
}

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
    external: distExternals(),
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
  /**
   * The packages bundled into each file of the last build of `name` and of the login worker, by file name:
   * with zod and ini bundled as in dist/, a module-loading trace names chunks, not node_modules paths.
   */
  bundledPackages: (name: string) => Map<string, string[]>;
} {
  let dir: string | undefined;
  let workerPackages: string[] = [];
  const metafiles = new Map<string, Metafile>();
  return {
    async setup() {
      // Inside the project so the bundle's bare imports resolve from node_modules; .cache does not exist after `npm ci`.
      await mkdir(join(projectRoot, 'node_modules', '.cache'), { recursive: true });
      dir = await mkdtemp(join(projectRoot, 'node_modules', '.cache', prefix));
      // As in dist/: the login worker beside the bundle that starts it, in an ESM package scope.
      await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
      await buildLoginWorker(join(dir, 'login-worker.js'));
      workerPackages = [...new Set(Object.keys((await build({ entryPoints: [join(projectRoot, 'src/credentials/login-worker.ts')], bundle: true, platform: 'node', format: 'esm', external: distExternals(), write: false, metafile: true, outfile: join(dir, 'login-worker.js'), logLevel: 'error', absWorkingDir: projectRoot })).metafile.inputs).map(packageOf).filter((p): p is string => p !== undefined))];
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
    async run(name, source, options = {}) {
      if (!dir) throw new Error('createFreshProcessRunner: call setup() first');
      const entry = join(dir, `${name}.ts`);
      const out = join(dir, `${name}.mjs`);
      await writeFile(entry, source);
      // As dist/ is built: zod and ini bundled, the other dependencies left to node_modules.
      const common = { entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', external: distExternals(), logLevel: 'error', absWorkingDir: projectRoot, nodePaths: [join(projectRoot, 'node_modules')], metafile: true } satisfies BuildOptions;
      // Chunks beside the entry, as in dist/: the login worker (built above) is found beside them.
      const built =
        options.splitting === true
          ? await build({ ...common, splitting: true, outdir: dir, entryNames: '[name]', outExtension: { '.js': '.mjs' }, chunkNames: `${name}-chunk-[hash]` })
          : await build({ ...common, outfile: out });
      metafiles.set(name, built.metafile);
      const { stdout } = await promisify(execFile)(process.execPath, [...(options.nodeArgs ?? []), out], { cwd: projectRoot, timeout: options.timeoutMs ?? 15_000 });
      return JSON.parse(stdout) as Record<string, unknown>;
    },
    bundledPackages(name) {
      const byFile = new Map<string, string[]>([['login-worker.js', workerPackages]]);
      for (const [file, output] of Object.entries(metafiles.get(name)?.outputs ?? {})) {
        byFile.set(basename(file), [...new Set(Object.keys(output.inputs).map(packageOf).filter((p): p is string => p !== undefined))]);
      }
      return byFile;
    },
  };
}
