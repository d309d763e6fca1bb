// Runs one of examples/*.ts with plain node against the built package (the examples import `ubiq-idp`,
// which resolves to dist/ through the package's own exports): `npm run build` once, then
// `npm run example -- examples/sign-request.ts`. esbuild (a dev dependency) only strips the types and
// bundles the example's own helper files; the package itself is not bundled.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = process.argv[2];
if (!example || !existsSync(resolve(root, example))) {
  process.stderr.write('Usage: npm run example -- examples/<name>.ts\n');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'index.js'))) {
  process.stderr.write('Build the package first: npm run build\n');
  process.exit(2);
}
// Beside the example: `ubiq-idp` then resolves to this package's dist/ (a file under node_modules would not
// see the package's own name) and `import.meta.url` points where the example expects its files.
const source = resolve(root, example);
const outfile = join(dirname(source), `.${basename(source, '.ts')}.run.mjs`);
await build({
  entryPoints: [source],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, [outfile, ...process.argv.slice(3)], { stdio: 'inherit' });
rmSync(outfile, { force: true });
process.exit(run.status ?? 1);
