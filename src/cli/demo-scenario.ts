import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { RsaKeyPair } from '../crypto/keypair.js';
import { createIdpCredentialProvider, type CredentialProvider } from '../credentials/provider.js';
import type { UbiqIdpCredentials } from '../credentials/ubiq-credentials.js';
import { isUbiqIdpError } from '../errors.js';
import type { ReferenceServer } from '../server/index.js';
import { createStructuredTestClient } from '../testing/structured-client.js';
import { createAdminClient, type AdminClient } from './admin-client.js';
import { decryptSample, encryptSample, requestDecryptionKey, requestEncryptionKey, type KeyResult } from './demo-keys.js';
import { DemoStepError } from './demo-errors.js';
import type { Narrator } from './demo-narrator.js';
import { configurationFor, credentialsFor, startEntraIdp, startOktaIdp, type DemoPerson, type EmulatedIdp } from './emulated-idps.js';
import { createProvisioner, type Provisioner } from './provisioning.js';
import { loadServerModule } from './server-module.js';
import { formatMs, shorten } from './ui.js';

/** The story's cast and data, per IdP. */
export const DEMO_CAST: Record<'okta' | 'entra', DemoPerson> = {
  okta: { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', groups: ['Finance'] },
  entra: { username: 'grace@contoso.onmicrosoft.com', firstName: 'Grace', lastName: 'Hopper', groups: ['Finance'] },
};
const GROUP = 'Finance';
const RENAMED = 'Accounting';
const DATASETS = { [GROUP]: 'payroll', [RENAMED]: 'ledger' } as const;
const SAMPLE = 'Q3 payroll run: 1,204 employees, total 3,418,220.17 EUR';
/** A structured (format-preserving) dataset in the first group: a 9-digit identifier, dashes passed through. */
const STRUCTURED = 'employee-id';
const STRUCTURED_SAMPLE = '123-45-6789';

export interface ScenarioOptions {
  provider: 'okta' | 'entra';
  /** A temporary home directory for this IdP's ~/.ubiq files. */
  home: string;
  keyPair: Promise<RsaKeyPair>;
  keySize: number;
  signal?: AbortSignal | undefined;
}

function describeError(error: unknown): string {
  if (isUbiqIdpError(error)) return `${error.name} ${error.code}: ${error.message.split('\n')[0] ?? ''}`;
  return error instanceof Error ? error.message : String(error);
}

function refusal(result: KeyResult): string {
  return result.ok ? 'issued a key' : `${result.status} ${result.error}: ${result.message}`;
}

/**
 * One IdP's half of the demo, step by step over 127.0.0.1: emulated IdP, reference server, admin API,
 * SCIM provisioning, real configuration files, login, signed key requests with a real AES-256-GCM round
 * trip, then the provisioning rules. Everything it starts is closed in `finally`.
 */
export async function runScenario(narrator: Narrator, options: ScenarioOptions): Promise<void> {
  const person = DEMO_CAST[options.provider];
  const user = person.username;
  let idp: EmulatedIdp | undefined;
  let server: ReferenceServer | undefined;
  let admin: AdminClient | undefined;
  let agent: Provisioner | undefined;
  let config: Extract<LoadedConfig, { kind: 'idp' }> | undefined;
  let provider: CredentialProvider<UbiqIdpCredentials> | undefined;
  let credentials: UbiqIdpCredentials | undefined;
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new DemoStepError('an earlier step did not produce what this one needs');
    return value;
  };
  const idpName = options.provider === 'okta' ? 'Okta' : 'Entra ID';

  try {
    await narrator.step(`Start an emulated ${idpName}`, `An in-process ${idpName} with an OIDC app set up as the setup document says, and ${person.firstName} in the group "${GROUP}".`, async () => {
      idp = options.provider === 'okta' ? await startOktaIdp([person]) : await startEntraIdp([person]);
      return {
        lines: [`${idp.displayName} emulator at ${idp.baseUrl}`, `token endpoint ${idp.tokenEndpoint}, client id ${idp.clientId}, user ${user}`],
        outcome: `listening on ${idp.baseUrl}`,
      };
    });

    await narrator.step('Start the Ubiq reference server', "Ubiq's side of the integration: SCIM, SSO endpoint, key endpoints and the admin API (the \"Ubiq UI\").", async () => {
      const { createReferenceServer } = await loadServerModule();
      server = createReferenceServer();
      const address = await server.listen({ port: 0, host: '127.0.0.1' });
      const info = server.info();
      admin = createAdminClient(address.adminBaseUrl, info.adminToken, options.signal);
      return { lines: [`listening on ${address.origin}, customer id ${info.customerId}`, `SCIM URL ${address.scimBaseUrl}`], outcome: address.origin };
    });

    await narrator.step('Enter the IdP settings in the Ubiq UI', 'PATCH /api/admin/idp with the OpenID Connect discovery URL, token issuer and audience, and the Ubiq app\'s client id (tokens of other apps are refused).', async () => {
      const { settings } = need(idp);
      await need(admin).setIdpSettings(settings);
      return {
        lines: [`discovery ${settings.discoveryUrl}`, `issuer ${settings.issuer}`, `audience ${settings.audience}`, `allowed client ids ${settings.allowedClientIds.join(', ')}`],
        outcome: 'discovery URL, issuer, audience, client id set',
      };
    });

    await narrator.step(
      'Create datasets and dataset groups',
      `Datasets in dataset groups named like directory groups: "${GROUP}" → ${DATASETS[GROUP]} and the structured ${STRUCTURED} (a 9-digit identifier), "${RENAMED}" → ${DATASETS[RENAMED]}.`,
      async () => {
        const client = need(admin);
        await client.createDataset(STRUCTURED, { passthrough: '-' });
        for (const [group, dataset] of Object.entries(DATASETS)) {
          await client.createDataset(dataset);
          await client.createDatasetGroup(group, group === GROUP ? [dataset, STRUCTURED] : [dataset]);
        }
        return { lines: [`dataset group "${GROUP}" = [${DATASETS[GROUP]}, ${STRUCTURED} (structured)], "${RENAMED}" = [${DATASETS[RENAMED]}]`], outcome: '3 datasets, 2 dataset groups' };
      },
    );

    await narrator.step(
      `${idpName} provisions over SCIM`,
      `The ${idpName} admin assigns ${person.firstName} to the app and pushes "${GROUP}"; the provisioning agent sends the SCIM requests ${idpName} really sends.`,
      async () => {
        const address = need(server).info();
        agent = createProvisioner(need(idp), address.scimBaseUrl, address.scimToken);
        await agent.testConnection();
        await agent.assign(user);
        await agent.pushGroup(GROUP, [user]);
        const keys = await need(admin).listApiKeys();
        const key = keys.find((k) => k.user?.userName.toLowerCase() === user.toLowerCase());
        const calls = agent.requests.map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? '?…' : ''} → ${r.status ?? '-'}`);
        return {
          lines: [
            `${agent.requests.length} SCIM requests: ${calls.join(', ')}`,
            key ? `auto-provisioned API key "${key.name}", enabled, may use: ${key.access.map((a) => a.name).join(', ') || 'nothing'}` : 'no API key was provisioned',
          ],
          outcome: key ? `API key for ${user}, access: ${key.access.map((a) => a.name).join(', ')}` : 'no API key',
        };
      },
    );

    await narrator.step('Write ~/.ubiq/configuration and ~/.ubiq/credentials, load them', 'Real files in a temporary home (mode 600), the idp block with the official ubiq-security client\'s key names, an [idp] profile; read back by the real loader.', async () => {
      const dir = join(options.home, '.ubiq');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      await writeFile(join(dir, 'configuration'), configurationFor(need(idp), need(server).info().customerId), { mode: 0o600 });
      await writeFile(join(dir, 'credentials'), credentialsFor(need(idp), need(server).info().origin, user), { mode: 0o600 });
      const loaded = await loadConfig({ homeDir: options.home, env: {}, profile: 'idp', allowInsecureHttp: true });
      if (loaded.kind !== 'idp') throw new DemoStepError('the loader did not find an IdP sign-in');
      config = loaded;
      const from = (field: keyof typeof loaded.sources.fields) => loaded.sources.fields[field]?.key ?? '?';
      return {
        lines: [
          `${join(dir, 'configuration')}, ${join(dir, 'credentials')} [idp]`,
          // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the loaded config defines toString at run time (redactable); the demo shows its redacted print
          `provider ${loaded.idp.provider} (${from('idp.provider')}), customer ${loaded.idp.customerId}, client ${loaded.idp.clientId} (${from('idp.clientId')}), user ${loaded.user.username}, secrets print as ${JSON.stringify(String(loaded.user)).includes('[REDACTED]') ? '[REDACTED]' : 'redacted'}`,
        ],
        outcome: `profile [idp] loaded, ${Object.keys(loaded.sources.fields).length} fields`,
      };
    });

    await narrator.step('Log in', `The credential provider signs in to ${idpName} (password grant) and exchanges the token and a CSR for a Ubiq certificate at the SSO endpoint.`, async () => {
      // The key pair was started when the demo began; say how long the login still had to wait for it.
      const waitStart = performance.now();
      const keyPair = await options.keyPair;
      const waitedMs = performance.now() - waitStart;
      const signInStart = performance.now();
      provider = createIdpCredentialProvider({ config: need(config), allowInsecureHttp: true, modulusLength: options.keySize, pregenerateKeyPair: keyPair, retry: false });
      credentials = await provider(options.signal ? { signal: options.signal } : {});
      const signInMs = performance.now() - signInStart;
      return {
        lines: [
          `signed in as ${credentials.username}: access key id ${shorten(credentials.accessKeyId)}, certificate valid until ${credentials.expiresAt.toISOString()}`,
          `RSA-${options.keySize} key pair: ${waitedMs < 5 ? 'ready in advance' : `waited ${formatMs(waitedMs)} for it (generated off the main thread)`}; token + CSR + SSO exchange: ${formatMs(signInMs)}`,
        ],
        outcome: `access key ${shorten(credentials.accessKeyId)}, expires ${credentials.expiresAt.toISOString().slice(11, 19)}Z`,
      };
    });

    await narrator.step('Encrypt and decrypt with a data key', `A signed POST /api/v0/encryption/key for "${DATASETS[GROUP]}"; the wrapped data key is unwrapped with the private key, used for AES-256-GCM, then fetched back through /decryption/key.`, async () => {
      const creds = need(credentials);
      const issued = await requestEncryptionKey(creds, DATASETS[GROUP], options.signal);
      if (!issued.ok) throw new DemoStepError(`the encryption key request was refused: ${refusal(issued)}`);
      const sealed = encryptSample(issued.dataKey.key, SAMPLE);
      const again = await requestDecryptionKey(creds, issued.dataKey.encryptedDataKey, options.signal);
      if (!again.ok) throw new DemoStepError(`the decryption key request was refused: ${refusal(again)}`);
      const opened = decryptSample(again.dataKey.key, sealed);
      if (opened !== SAMPLE) throw new DemoStepError('the decrypted text differs from the sample');
      return {
        lines: [
          `encryption key ${issued.status} (${issued.dataKey.algorithm}, fingerprint ${shorten(issued.dataKey.fingerprint)}); ciphertext ${sealed.ciphertext.toString('hex').slice(0, 24)}…`,
          `decryption key ${again.status}; decrypted: "${opened}"`,
        ],
        outcome: `${DATASETS[GROUP]}: encrypted and decrypted`,
      };
    });

    await narrator.step(
      'Format-preserving encryption (structured dataset)',
      `GET /api/v0/ffs for the "${STRUCTURED}" definition and GET /api/v0/fpe/key for its key, signed with payload_cert, as the official client asks; FF1 over the digits, done here by the project's test client.`,
      async () => {
        const creds = need(credentials);
        const client = createStructuredTestClient({ server: creds.server, credentials: { accessKeyId: creds.accessKeyId, secretSigningKey: creds.secretSigningKey, payloadCert: creds.payloadCert, privateKey: creds.privateKey } });
        const ciphertext = await client.encrypt(STRUCTURED, STRUCTURED_SAMPLE);
        const plaintext = await client.decrypt(STRUCTURED, ciphertext);
        if (plaintext !== STRUCTURED_SAMPLE) throw new DemoStepError('the decrypted identifier differs from the sample');
        return {
          lines: [`${STRUCTURED_SAMPLE} → ${ciphertext} (same length, dashes kept, key number 0 in the first character) → ${plaintext}`],
          outcome: `${STRUCTURED}: ${STRUCTURED_SAMPLE} ↔ ${ciphertext}`,
        };
      },
    );

    await narrator.step(`Rule: remove ${person.firstName} from "${GROUP}"`, `"IDP group members are changed": without membership, the key loses the datasets of the matching dataset group.`, async () => {
      await need(agent).removeMember(GROUP, user);
      const denied = await requestEncryptionKey(need(credentials), DATASETS[GROUP], options.signal);
      if (denied.ok) throw new DemoStepError(`expected access to "${DATASETS[GROUP]}" to be denied, but the server issued a key`);
      await need(agent).addMember(GROUP, user);
      const back = await requestEncryptionKey(need(credentials), DATASETS[GROUP], options.signal);
      if (!back.ok) throw new DemoStepError(`after adding ${user} back, access is still refused: ${refusal(back)}`);
      return {
        lines: [`access denied: ${refusal(denied)}`, `added back to "${GROUP}": key issued again (${back.status})`],
        outcome: `denied (${denied.ok ? '' : denied.error}, dataset ${denied.ok ? '' : (denied.dataset ?? '?')}), then restored`,
      };
    });

    await narrator.step(`Rule: rename "${GROUP}" to "${RENAMED}"`, '"IDP group display_name field changed": the old dataset group no longer matches; the one named like the new name does.', async () => {
      await need(agent).renameGroup(GROUP, RENAMED);
      const old = await requestEncryptionKey(need(credentials), DATASETS[GROUP], options.signal);
      if (old.ok) throw new DemoStepError(`expected access to "${DATASETS[GROUP]}" to end with the rename, but the server issued a key`);
      const fresh = await requestEncryptionKey(need(credentials), DATASETS[RENAMED], options.signal);
      if (!fresh.ok) throw new DemoStepError(`expected access to "${DATASETS[RENAMED]}" after the rename: ${refusal(fresh)}`);
      return {
        lines: [`${DATASETS[GROUP]}: ${refusal(old)}`, `${DATASETS[RENAMED]}: key issued (${fresh.status})`],
        outcome: `${DATASETS[GROUP]} denied, ${DATASETS[RENAMED]} allowed`,
      };
    });

    await narrator.step(`Rule: deactivate ${person.firstName}`, `"IDP user active field changed": ${idpName} refuses the sign-in and Ubiq disables the key.`, async () => {
      await need(agent).deactivate(user);
      let refused: unknown;
      try {
        await need(provider).forceRefresh();
      } catch (error) {
        refused = error;
      }
      if (refused === undefined) throw new DemoStepError('expected the sign-in to be refused after deactivation, but it succeeded');
      const key = await requestEncryptionKey(need(credentials), DATASETS[RENAMED], options.signal);
      if (key.ok) throw new DemoStepError('expected the disabled key to be refused, but the server issued a key');
      const hint = isUbiqIdpError(refused) ? refused.hint : undefined;
      return {
        lines: [`login refused: ${describeError(refused)}`, ...(hint ? [`hint: ${hint}`] : []), `existing credentials: ${refusal(key)}`],
        outcome: `login refused (${isUbiqIdpError(refused) ? refused.code : 'error'}), key ${key.ok ? '' : key.error}`,
      };
    });

    await narrator.step(`Rule: reactivate ${person.firstName}`, 'The user is active again: sign-in works, the key is enabled, access follows the groups.', async () => {
      await need(agent).reactivate(user);
      credentials = await need(provider).forceRefresh();
      const key = await requestEncryptionKey(credentials, DATASETS[RENAMED], options.signal);
      if (!key.ok) throw new DemoStepError(`after reactivation, access is refused: ${refusal(key)}`);
      return {
        lines: [`signed in again as ${credentials.username}; ${DATASETS[RENAMED]}: key issued (${key.status})`],
        outcome: `login ok, ${DATASETS[RENAMED]} allowed`,
      };
    });
  } finally {
    await provider?.close();
    await server?.close();
    await idp?.close();
  }
}
