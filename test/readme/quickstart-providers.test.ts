// The Quickstart serves Okta and Entra users alike: the provider-neutral `configure` commands the README
// shows (one per IdP) write files the loader accepts for that IdP, and the Entra section's hand-written
// files load as an Entra profile without a warning (the Directory ID is not in the client id's place).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { cli, tempDir } from '../cli/cli-helpers.js';
import { projectRoot } from '../helpers/fresh-process.js';

let readme: string;
let work: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
  work = await tempDir('ubiq-readme-providers-');
});
afterAll(async () => {
  await work.remove();
});

function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section '${heading}'`).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
}

/** The `ubiq-idp configure` command lines of a shell block: leading VAR=value words, then the arguments. */
function configureCommands(sh: string): Array<{ env: Record<string, string>; args: string[] }> {
  const lines = sh.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => line.includes('ubiq-idp configure'));
  return lines.map((line) => {
    const words = line.trim().split(/\s+/);
    const env: Record<string, string> = {};
    while (/^[A-Z_]+=/.test(words[0] ?? '')) {
      const [name, ...value] = words.shift()!.split('=');
      env[name!] = value.join('=');
    }
    const at = words.indexOf('configure');
    return { env, args: words.slice(at) };
  });
}

describe('README Quickstart', () => {
  it('has one configure command for Okta and one for Entra, before the per-IdP sections, and each writes files the loader accepts', async () => {
    const commands = configureCommands(blocks(section('Quickstart'), 'sh').join('\n'));
    const providers = commands.map((c) => c.args[c.args.indexOf('--provider') + 1]);
    expect(providers).toEqual(['okta', 'entra']);
    for (const [index, command] of commands.entries()) {
      const home = join(work.path, `configure-${index}`);
      // The README's "…" placeholders stand for the person's secrets.
      const secrets = { UBIQ_IDP_CLIENT_SECRET: `readme-client-secret-${index}`, UBIQ_IDP_PASSWORD: `readme-password-${index}` };
      for (const name of Object.keys(command.env)) expect(Object.keys(secrets)).toContain(name);
      const run = await cli([...command.args, '--no-check'], { env: secrets, homeDir: home });
      expect(run.code, run.stderr).toBe(0);
      const loaded = await loadConfig({ env: {}, homeDir: home, strictPermissions: true });
      expect(loaded.kind).toBe('idp');
      if (loaded.kind !== 'idp') return;
      expect(loaded.idp.provider).toBe(providers[index]);
      expect(loaded.profile).toBe('idp');
      expect(loaded.idp.clientSecret).toBe(secrets.UBIQ_IDP_CLIENT_SECRET);
      expect(loaded.warnings).toEqual([]);
    }
  });

  it("the Entra section's files load as an Entra [idp] profile without a warning", async () => {
    const entra = section('Quickstart: Entra ID');
    const [configuration] = blocks(entra, 'json');
    const [credentials] = blocks(entra, 'ini');
    expect(configuration, 'a json block in Quickstart: Entra ID').toBeDefined();
    expect(credentials, 'an ini block in Quickstart: Entra ID').toBeDefined();
    const home = join(work.path, 'entra-by-hand');
    await rm(home, { recursive: true, force: true });
    await mkdir(join(home, '.ubiq'), { recursive: true, mode: 0o700 });
    // The README's "…" placeholder stands for the secret's Value.
    await writeFile(join(home, '.ubiq', 'configuration'), configuration!.replace(/("idp_client_secret":\s*)"[^"]*"/, '$1"readme-client-secret"'), { mode: 0o600 });
    await writeFile(join(home, '.ubiq', 'credentials'), credentials!.replace(/^IDP_PASSWORD=.*$/m, 'IDP_PASSWORD=readme-password'), { mode: 0o600 });
    const loaded = await loadConfig({ env: {}, homeDir: home, strictPermissions: true });
    expect(loaded.kind).toBe('idp');
    if (loaded.kind !== 'idp') return;
    expect(loaded.idp.provider).toBe('entra');
    expect(loaded.profile).toBe('idp');
    expect(loaded.server).toBe('https://api.ubiqsecurity.com');
    expect(loaded.warnings).toEqual([]);
  });
});
