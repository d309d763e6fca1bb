// `ubiq-idp doctor` with no profile named on the setup documents' files: it reads [idp] and says why.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cli, tempDir } from './cli-helpers.js';
import { stringContaining } from '../helpers/matchers.js';

const dirs: Array<{ remove(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => d.remove()));
});

it('doctor --offline with no profile named reads [idp], says why, and passes the local checks', async () => {
  const home = await tempDir('ubiq-idp-doctor-profile-');
  dirs.push(home);
  await mkdir(join(home.path, '.ubiq'), { mode: 0o700 });
  const idp = { type: 'okta', customer_id: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', token_endpoint_url: 'https://trial-4377979.okta.com/oauth2/v1/token', tenant_id: '0oamj6wsupUbPfqXt697', client_secret: 'doctor-profile-secret' };
  await writeFile(join(home.path, '.ubiq', 'configuration'), JSON.stringify({ idp }), { mode: 0o600 });
  await writeFile(join(home.path, '.ubiq', 'credentials'), '[idp]\nSERVER=https://api.ubiqsecurity.com\nIDP_USERNAME=ada@example.com\nIDP_PASSWORD=doctor-profile-password\n', { mode: 0o600 });
  const run = await cli(['doctor', '--offline'], { env: {}, homeDir: home.path });
  expect(run.stdout).toContain('profile [idp] (no profile named; [default] does not exist and [idp] holds IDP_USERNAME');
  expect(run.stdout).not.toContain('is not in');
  expect(run.stdout).toMatch(/user\.username = ada@example\.com .*\[idp\] IDP_USERNAME/);
  expect(run.code, run.stdout).toBe(0);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/doctor-profile-(secret|password)/);

  // whoami says the same, in text and JSON.
  const whoami = await cli(['whoami'], { env: {}, homeDir: home.path });
  expect(whoami.stdout).toMatch(/profile\s+\[idp\] \(no profile named; \[default\] does not exist and \[idp\] holds IDP_USERNAME/);
  const json = await cli(['whoami', '--json'], { env: {}, homeDir: home.path });
  expect(JSON.parse(json.stdout)).toMatchObject({ profile: 'idp', profileChosenBy: 'detected', profileReason: stringContaining('[idp] holds IDP_USERNAME') });
});
