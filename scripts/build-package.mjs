#!/usr/bin/env node
// Builds dist/ for the npm lifecycle, so that every way of getting the package yields a working one.
//
//   node scripts/build-package.mjs prepack   build unless dist/ is newer than every source, then check
//                                            that every file package.json points to exists (npm pack
//                                            and npm publish never ship a package without dist/)
//   node scripts/build-package.mjs prepare   build when dist/ is missing or older than the sources:
//                                            `npm install <git url>` and `npm install` in a clone.
//                                            Skipped under `npm ci` (CI builds in `npm run check`) and
//                                            under pack/publish (prepack has just built).
//   node scripts/build-package.mjs stale     the same, quietly (npm run demo)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2];
const say = (text) => process.stderr.write(`ubiq-idp ${mode}: ${text}\n`);

/** Every file package.json names as an entry point (main, module, types, exports, bin). */
function entryFiles() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = new Set();
  const walk = (value) => {
    if (typeof value === 'string') {
      if (value.startsWith('./dist/') || value.startsWith('dist/')) files.add(value.replace(/^\.\//, ''));
    } else if (value && typeof value === 'object') for (const inner of Object.values(value)) walk(inner);
  };
  walk([pkg.main, pkg.module, pkg.types, pkg.exports, pkg.bin]);
  return [...files];
}

function newestInput() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    // Directories count too: deleting or renaming a source file changes only its directory's mtime.
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const name of ['src', 'package.json', 'tsup.config.ts', 'tsconfig.json']) {
    if (existsSync(join(root, name))) visit(join(root, name));
  }
  return newest;
}

function missingOutputs() {
  return entryFiles().filter((file) => {
    const path = join(root, file);
    return !existsSync(path) || statSync(path).size === 0;
  });
}

function isFresh() {
  if (missingOutputs().length > 0) return false;
  const oldest = Math.min(...entryFiles().map((file) => statSync(join(root, file)).mtimeMs));
  return oldest >= newestInput();
}

// The build writes to stderr: stdout belongs to npm (`npm pack --json` prints its result there).
function build(quiet = false) {
  if (!existsSync(join(root, 'node_modules', 'tsup'))) {
    say('cannot build dist/: the dev dependencies are not installed (tsup is missing); run `npm install` in this directory first');
    process.exit(1);
  }
  const args = ['run', '--silent', 'build', ...(quiet ? ['--', '--silent'] : [])];
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, ...args], { cwd: root, stdio: ['inherit', 2, 2] })
    : spawnSync('npm', args, { cwd: root, stdio: ['inherit', 2, 2], shell: process.platform === 'win32' });
  if (result.status !== 0) {
    say(`the build failed (${result.error ? result.error.message : `exit ${result.status}`})`);
    process.exit(1);
  }
  const missing = missingOutputs();
  if (missing.length > 0) {
    say(`the build did not produce ${missing.join(', ')}, which package.json points to; refusing to go on with an incomplete package`);
    process.exit(1);
  }
}

switch (mode) {
  case 'prepack':
    if (isFresh()) break;
    build();
    break;
  case 'prepare': {
    const command = process.env.npm_command;
    if (command === 'ci') say('skipped under `npm ci`; `npm run build` (or `npm run check`) builds dist/');
    else if (command === 'pack' || command === 'publish') break; // prepack has just built
    else if (isFresh()) break;
    else build();
    break;
  }
  case 'stale':
    if (!isFresh()) build(true);
    break;
  default:
    say('usage: node scripts/build-package.mjs prepack|prepare|stale');
    process.exit(2);
}
