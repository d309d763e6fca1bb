// `ubiq-idp doctor` against a real emulated Okta and reference server on 127.0.0.1: a healthy setup passes,
// and each deliberately broken setup from issue 7 is named with its fix.
import { chmod, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurationFor, credentialsFor, startOktaIdp, type EmulatedIdp } from '../../src/cli/emulated-idps.js';
import { SERVER_PEOPLE, startReferenceStack, type Running } from '../../src/cli/server.js';
import { cli, tempDir, type CliRun } from './cli-helpers.js';

let idp: EmulatedIdp;
let stack: Running;
let dir: { path: string; remove(): Promise<void> };
let closedPort: number;
const user = SERVER_PEOPLE.okta.username;

beforeAll(async () => {
  idp = await startOktaIdp([SERVER_PEOPLE.okta]);
  stack = await startReferenceStack(0, idp, undefined);
  dir = await tempDir('ubiq-idp-doctor-');
  // A port that was free a moment ago and has nothing listening now.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await stack?.server.close();
  await idp?.close();
  await dir?.remove();
});

/** Writes a setup (optionally edited) and runs doctor on it. */
async function doctor(name: string, edit: { configuration?: (text: string) => string; credentials?: (text: string) => string; mode?: number } = {}, extra: string[] = []): Promise<CliRun> {
  const info = stack.server.info();
  const configuration = join(dir.path, `${name}.configuration`);
  const credentials = join(dir.path, `${name}.credentials`);
  const configText = configurationFor(idp, info.customerId);
  const credText = credentialsFor(idp, info.origin, user);
  await writeFile(configuration, (edit.configuration ?? ((t) => t))(configText), { mode: 0o600 });
  await writeFile(credentials, (edit.credentials ?? ((t) => t))(credText), { mode: 0o600 });
  await chmod(credentials, edit.mode ?? 0o600);
  const run = await cli(['doctor', '--profile', 'idp', '--allow-http', '--key-size', '2048', ...extra], {
    env: { UBIQ_CONFIGURATION_FILE: configuration, UBIQ_CREDENTIALS_FILE: credentials },
  });
  // No secret reaches the doctor's output, whatever went wrong.
  for (const secret of [idp.clientSecret, idp.passwords.get(user) ?? 'unset']) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
  return run;
}

describe('ubiq-idp doctor', () => {
  it('passes a healthy setup: files, dialect, fields with sources, network, discovery, sign-in and SSO', async () => {
    const run = await doctor('healthy');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain("idp block uses the official client libraries' names: provider, ubiq_customer_id, idp_token_endpoint_url, idp_tenant_id, idp_client_secret");
    expect(run.stdout).toMatch(/permissions of .*healthy\.credentials: 600/);
    expect(run.stdout).toMatch(/✓ idp\.clientSecret set \(secret, not shown\) \(from .*idp\.idp_client_secret\)/);
    expect(run.stdout).toContain('UBIQ_CREDENTIALS_FILE is set');
    expect(run.stdout).toMatch(/✓ token endpoint: TCP 127\.0\.0\.1:\d+ accepts connections/);
    expect(run.stdout).toContain('token_endpoint_url matches the discovery document');
    expect(run.stdout).toContain(`✓ signed in to okta as ${user}`);
    expect(run.stdout).toMatch(/✓ Ubiq issued a certificate: access key id \S+…\S+, valid until/);
    expect(run.stdout).toContain('All checks passed');
  });

  it('names a wrong client secret, with the hint and the setup step that fixes it', async () => {
    const run = await doctor('wrong-secret', { configuration: (t) => t.replace(idp.clientSecret, 'not-the-client-secret') });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ sign-in refused by okta');
    expect(run.stdout).toMatch(/fix: client_secret in the idp block .* CLIENT SECRETS/);
    expect(run.stdout).toContain('step: Okta IDP Integration → "Get the Client ID and Client Secret for the application"');
    expect(run.stdout).toContain('code: invalid_client_secret');
  });

  it('names values pasted with the documents\' angle brackets, file and key, and skips the network', async () => {
    const run = await doctor('brackets', {
      configuration: (t) => t.replace(/"idp_token_endpoint_url": "([^"]+)"/, '"idp_token_endpoint_url": "<$1>"'),
      credentials: (t) => t.replace(/SERVER=(.*)/, 'SERVER=<$1>'),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ .*brackets\.configuration idp\.idp_token_endpoint_url: .*angle brackets/);
    expect(run.stdout).toMatch(/✗ .*brackets\.credentials \[idp\] SERVER: .*angle brackets/);
    expect(run.stdout).toContain('code: angle_brackets');
    expect(run.stdout).toContain('step: Okta IDP Integration → "Ubiq configuration file settings for the IDP"');
    expect(run.stdout).toContain('network and sign-in not checked: fix the settings above first');
  });

  it("warns when the idp block uses only the setup documents' names, and shows the block every client reads", async () => {
    const seedNames: Record<string, string> = { provider: 'type', ubiq_customer_id: 'customer_id', idp_token_endpoint_url: 'token_endpoint_url', idp_tenant_id: 'tenant_id', idp_client_secret: 'client_secret' };
    const run = await doctor('seed-names', { configuration: (t) => t.replace(/"(provider|ubiq_customer_id|idp_token_endpoint_url|idp_tenant_id|idp_client_secret)":/g, (_m, key: string) => `"${seedNames[key] ?? key}":`) });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain("! idp block uses only the setup documents' names (type, customer_id, token_endpoint_url, tenant_id, client_secret): the official ubiq-security client ignores these keys");
    expect(run.stdout).toContain('code: seed_only_idp_keys');
    for (const line of ['"provider": "okta"', `"ubiq_customer_id": "${stack.server.info().customerId}"`, `"idp_token_endpoint_url": "${idp.tokenEndpoint}"`, `"idp_tenant_id": "${idp.clientId}"`, '"idp_client_secret": "<the client_secret value of this file>"']) {
      expect(run.stdout).toContain(line);
    }
    // The documents' names still work: the sign-in goes through (the helper also checks no secret was printed).
    expect(run.stdout).toContain(`✓ signed in to okta as ${user}`);
    expect(run.stdout).toMatch(/All checks passed \(\d+ warnings\)/);
  });

  it('fails a group-readable credentials file with the chmod that fixes it', async () => {
    const run = await doctor('group-readable', { mode: 0o640 });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ .*group-readable\.credentials is readable or writable by group or others \(mode 640\) but holds IDP_PASSWORD/);
    expect(run.stdout).toMatch(/fix: chmod 600 '.*group-readable\.credentials'/);
    expect(run.stdout).toContain('code: file_permissions');
    // The rest still runs: the permissions are the only problem.
    expect(run.stdout).toContain(`✓ signed in to okta as ${user}`);
    expect(run.stdout).toContain('1 check failed');
  });

  it('names an unreachable token endpoint and does not attempt the sign-in', async () => {
    const run = await doctor('unreachable', { configuration: (t) => t.replace(/http:\/\/127\.0\.0\.1:\d+\/oauth2/, `http://127.0.0.1:${closedPort}/oauth2`) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`✗ token endpoint: TCP connection to 127\\.0\\.0\\.1:${closedPort} failed \\(ECONNREFUSED`));
    expect(run.stdout).toContain('fix: Nothing answers at');
    expect(run.stdout).toContain('sign-in not attempted: the token endpoint is unreachable');
  });

  it('gives every check as JSON with --json', async () => {
    const run = await doctor('json', { mode: 0o644 }, ['--json', '--offline']);
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout) as { ok: boolean; failed: number; checks: Array<{ section: string; status: string; code?: string; fix?: string }> };
    expect(body.ok).toBe(false);
    expect(body.failed).toBe(1);
    expect(body.checks.find((c) => c.code === 'file_permissions')).toMatchObject({ section: 'Files', status: 'fail' });
    expect(body.checks.some((c) => c.section === 'Network')).toBe(false);
  });
});
