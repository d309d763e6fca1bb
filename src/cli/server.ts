import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReferenceServer } from '../server/index.js';
import { createAdminClient } from './admin-client.js';
import type { Command } from './command.js';
import { COMMON_HELP, portOption } from './command.js';
import { configurationFor, credentialsFor, startEntraIdp, startOktaIdp, type DemoPerson, type EmulatedIdp } from './emulated-idps.js';
import { EXIT, UsageError } from './exit-codes.js';
import { createProvisioner } from './provisioning.js';
import { loadServerModule } from './server-module.js';
import type { Ui } from './ui.js';

const DEFAULT_PORT = 8080;
/** The structured dataset each group gets: a 9-digit identifier (`123-45-6789`, dashes passed through). */
const STRUCTURED_SUFFIX = 'employee-id';

/** The people and the data the emulated IdPs start with (the same as the demo's). */
export const SERVER_PEOPLE: Record<'okta' | 'entra', DemoPerson> = {
  okta: { username: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', groups: ['Finance'] },
  entra: { username: 'grace@contoso.onmicrosoft.com', firstName: 'Grace', lastName: 'Hopper', groups: ['Finance'] },
};

/** A reference server started by the `server` command, with its IdP and settings files. */
export interface Running {
  server: ReferenceServer;
  idp: EmulatedIdp | undefined;
  configDir: string | undefined;
  provisioned: string | undefined;
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function listen(server: ReferenceServer, port: number) {
  try {
    return await server.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      throw new UsageError(`Port ${port} on 127.0.0.1 is already in use.`, 'Choose another with --port N, or --port 0 for any free port.');
    }
    throw error;
  }
}

/** Starts one reference server, wired to an emulated IdP when given: IdP settings, a provisioned person, a dataset. */
export async function startReferenceStack(port: number, idp: EmulatedIdp | undefined, signal: AbortSignal | undefined): Promise<Running> {
  const { createReferenceServer } = await loadServerModule();
  const server = createReferenceServer();
  const running: Running = { server, idp, configDir: undefined, provisioned: undefined };
  const address = await listen(server, port);
  if (idp === undefined) return running;
  try {
    const info = server.info();
    const admin = createAdminClient(address.adminBaseUrl, info.adminToken, signal);
    await admin.setIdpSettings(idp.settings);
    const person = idp.people[0];
    if (person) {
      const agent = createProvisioner(idp, address.scimBaseUrl, info.scimToken);
      await agent.testConnection();
      await agent.assign(person.username);
      for (const group of person.groups) {
        const dataset = await admin.createDataset(`${group.toLowerCase()}-records`);
        const structured = await admin.createDataset(`${group.toLowerCase()}-${STRUCTURED_SUFFIX}`, { passthrough: '-' });
        await admin.createDatasetGroup(group, [dataset.name, structured.name]);
        await agent.pushGroup(group, [person.username]);
      }
      running.provisioned = person.username;
    }
    // Ready-to-use settings for the emulated person, written where only this user can read them.
    const dir = await mkdtemp(join(tmpdir(), `ubiq-idp-${idp.provider}-`));
    running.configDir = dir;
    await chmod(dir, 0o700);
    await writeFile(join(dir, 'configuration'), configurationFor(idp, info.customerId), { mode: 0o600 });
    await writeFile(join(dir, 'credentials'), credentialsFor(idp, address.origin, person?.username ?? ''), { mode: 0o600 });
    return running;
  } catch (error) {
    await server.close();
    if (running.configDir) await rm(running.configDir, { recursive: true, force: true });
    throw error;
  }
}

function printWindow(ui: Ui, running: Running): void {
  const info = running.server.info();
  const { idp } = running;
  ui.heading(`Ubiq reference server${idp ? ` for ${idp.displayName}` : ''}: ${info.origin}`);
  ui.line(ui.styles.dim('  IDP Settings window (what the Ubiq UI shows under Account → IDP Integration):'));
  ui.pairs([
    ['Customer id', info.customerId],
    ['SCIM URL', info.scimBaseUrl],
    ['SCIM Secret Token', `${info.scimToken}   ${ui.styles.yellow('(secret: give it to the IdP only)')}`],
    ['OpenID Connect Discovery URL', info.idp.discoveryUrl ?? '(not set)'],
    ['IDP Token Issuer', info.idp.issuer ?? '(not set)'],
    ['IDP Token Audience', info.idp.audience ?? '(not set)'],
    ['Allowed client IDs', info.idp.allowedClientIds.length > 0 ? info.idp.allowedClientIds.join(', ') : '(any client of the issuer)'],
    ['Admin API', `${info.adminBaseUrl}  (Authorization: Bearer ${info.adminToken})`],
  ]);
  if (idp) {
    ui.line();
    ui.line(ui.styles.dim(`  ${idp.displayName} emulator:`));
    ui.pairs([
      [idp.provider === 'okta' ? 'Okta account URL' : 'Tenant base URL', idp.baseUrl],
      ['Token endpoint', idp.tokenEndpoint],
      [idp.provider === 'okta' ? 'Client ID' : 'Application (client) ID', idp.clientId],
      ['Provisioned user', running.provisioned ? `${running.provisioned} (groups: ${idp.people[0]?.groups.join(', ') ?? ''}, dataset ${idp.people[0]?.groups[0]?.toLowerCase() ?? ''}-records, structured dataset ${idp.people[0]?.groups[0]?.toLowerCase() ?? ''}-${STRUCTURED_SUFFIX})` : '(none)'],
    ]);
    if (running.configDir) {
      ui.line();
      ui.line(`  Sign in as ${running.provisioned ?? 'the user'} from another terminal (files mode 600; client secret and password inside):`);
      ui.line(`    UBIQ_CONFIGURATION_FILE=${join(running.configDir, 'configuration')} \\`);
      ui.line(`    UBIQ_CREDENTIALS_FILE=${join(running.configDir, 'credentials')} \\`);
      ui.line('    npx ubiq-idp login --profile idp --allow-http');
    }
  }
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'run the reference Ubiq server (and emulated Okta / Entra wired to it) until Ctrl-C',
  options: { okta: { type: 'boolean' }, entra: { type: 'boolean' }, port: { type: 'string' } },
  help: `Usage: ubiq-idp server [--okta] [--entra] [--port N]

Starts the reference implementation of Ubiq's side of the IdP integration (SCIM 2.0, SSO endpoint, key
endpoints, admin API) on 127.0.0.1 and prints what the "IDP Settings window" shows: customer id, SCIM URL,
SCIM Secret Token and the IdP settings. Runs until Ctrl-C (or SIGTERM), then stops cleanly.

With --okta and/or --entra it also starts an emulated IdP and wires it to a server of its own (one
customer each): IdP settings entered through the admin API, a user assigned and a group pushed by the
IdP's provisioning agent over SCIM, a dataset group of that name with an unstructured dataset and a
structured one (a 9-digit identifier, dashes passed through). It writes ready-to-use
configuration and credentials files (mode 600) and prints how to sign in with them.

Options:
      --okta      start an emulated Okta org wired to a reference server
      --entra     start an emulated Entra ID tenant wired to a reference server
      --port N    port of the (first) server; default ${DEFAULT_PORT}; 0 = any free port. With both
                  --okta and --entra the Entra server listens on N+1 (or any free port when N is 0).
${COMMON_HELP}

The SCIM Secret Token and admin token are printed: this command exists to show them, as the Ubiq UI
does. Passwords and client secrets of the emulated IdPs go only into the files.
`,
  async run({ io, values, json, ui, writeJson }) {
    const port = portOption(values, 'port') ?? DEFAULT_PORT;
    const wanted: Array<'okta' | 'entra'> = [];
    if (values.okta === true) wanted.push('okta');
    if (values.entra === true) wanted.push('entra');
    // Before any emulator starts: without hono this fails at once with the install command.
    await loadServerModule();
    const runnings: Running[] = [];
    const idps: EmulatedIdp[] = [];
    try {
      if (wanted.length === 0) {
        runnings.push(await startReferenceStack(port, undefined, io.signal));
      }
      for (const [index, provider] of wanted.entries()) {
        const idp = await ui.spin(`starting the ${provider === 'okta' ? 'Okta' : 'Entra'} emulator`, () => (provider === 'okta' ? startOktaIdp([SERVER_PEOPLE.okta]) : startEntraIdp([SERVER_PEOPLE.entra])));
        idps.push(idp.value);
        const serverPort = port === 0 ? 0 : port + index;
        const started = await ui.spin(`starting the reference server on port ${serverPort} and provisioning over SCIM`, () => startReferenceStack(serverPort, idp.value, io.signal));
        runnings.push(started.value);
      }
      if (json) {
        writeJson({
          ok: true,
          servers: runnings.map((r) => {
            const info = r.server.info();
            return {
              origin: info.origin,
              customerId: info.customerId,
              scimUrl: info.scimBaseUrl,
              scimSecretToken: info.scimToken,
              adminUrl: info.adminBaseUrl,
              adminToken: info.adminToken,
              idpSettings: info.idp,
              ...(r.idp
                ? { emulator: { provider: r.idp.provider, baseUrl: r.idp.baseUrl, tokenEndpoint: r.idp.tokenEndpoint, clientId: r.idp.clientId }, provisionedUser: r.provisioned, configurationFile: r.configDir && join(r.configDir, 'configuration'), credentialsFile: r.configDir && join(r.configDir, 'credentials') }
                : {}),
            };
          }),
        });
      } else {
        for (const running of runnings) printWindow(ui, running);
        ui.line();
        ui.line(ui.styles.dim('Press Ctrl-C to stop.'));
      }
      await waitForAbort(io.signal);
      if (!json) ui.line('Stopping…');
    } finally {
      for (const running of runnings) {
        await running.server.close();
        if (running.configDir) await rm(running.configDir, { recursive: true, force: true });
      }
      for (const idp of idps) await idp.close();
    }
    if (!json) ui.mark('ok', 'stopped cleanly');
    return EXIT.ok;
  },
};
