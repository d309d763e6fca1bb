// Loader warnings reach `whoami` (and `logout`) on stderr, as they reach `login` and `credentials`: a
// credentials file others can read, and the Entra Directory (tenant) ID put where the client id belongs.
// No IdP is contacted: whoami only reads the settings and the session directory.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './cli-helpers.js';

const PASSWORD = 'CANARY-password-whoami-5d1c';
const SECRET = 'CANARY-client-secret-whoami-9e0a';
const CUSTOMER = '5b1a5f0e-8a47-4e8b-9b3c-3f1c2d4e5f60';
const DIRECTORY = '72f988bf-86f1-41af-91ab-2d7cd011db47';
let home: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  home = await tempDir('ubiq-whoami-warn-');
});
afterAll(async () => {
  await home.remove();
});

/** An Entra profile whose client id is the Directory ID of its token endpoint, in a credentials file of mode 644. */
async function entraMixUp(): Promise<Record<string, string>> {
  const configuration = join(home.path, 'configuration');
  const credentials = join(home.path, 'credentials');
  await writeFile(
    configuration,
    JSON.stringify({
      idp: { provider: 'entra', ubiq_customer_id: CUSTOMER, idp_token_endpoint_url: `https://login.microsoftonline.com/${DIRECTORY}/oauth2/v2.0/token`, idp_tenant_id: DIRECTORY, idp_client_secret: SECRET },
    }),
    { mode: 0o600 },
  );
  await writeFile(credentials, `[idp]\nSERVER=https://api.ubiqsecurity.com\nIDP_USERNAME=ada@contoso.example\nIDP_PASSWORD=${PASSWORD}\n`);
  await chmod(credentials, 0o644);
  return { UBIQ_CONFIGURATION_FILE: configuration, UBIQ_CREDENTIALS_FILE: credentials, UBIQ_PROFILE: 'idp' };
}

describe('whoami shows the loader warnings on stderr', () => {
  it('human output: the mode 644 warning and the Directory ID warning, once each, and no secret', async () => {
    const env = await entraMixUp();
    const run = await cli(['whoami'], { env, homeDir: home.path });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ada@contoso.example');
    expect(run.stderr.match(/holds secrets but is readable or writable by group or others \(mode 644\)/g)).toHaveLength(1);
    expect(run.stderr.match(/is the Directory \(tenant\) ID from the token endpoint/g)).toHaveLength(1);
    for (const secret of [PASSWORD, SECRET]) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('--json: stdout stays one JSON document; the warnings go to stderr', async () => {
    const env = await entraMixUp();
    const run = await cli(['whoami', '--json'], { env, homeDir: home.path });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, profile: 'idp', provider: 'entra', source: 'password' });
    expect(run.stdout).not.toMatch(/mode 644|Directory/);
    expect(run.stderr).toMatch(/mode 644/);
    expect(run.stderr).toMatch(/Directory \(tenant\) ID/);
  });

  it('logout, which reads the settings through the same helper, shows them too', async () => {
    const env = await entraMixUp();
    const run = await cli(['logout', '--no-revoke'], { env, homeDir: home.path });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/mode 644/);
    expect(run.stderr).toMatch(/Directory \(tenant\) ID/);
  });
});
