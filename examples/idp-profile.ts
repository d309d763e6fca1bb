// A developer machine: the [idp] profile of ~/.ubiq/credentials (SERVER, IDP_USERNAME, IDP_PASSWORD) and
// the idp block of ~/.ubiq/configuration (type, customer_id, token_endpoint_url, tenant_id, client_secret),
// as the Okta/Entra setup guides describe. fromConfigFiles() reads exactly those; the files here are
// written into a temporary home by the local stand-in for Okta + Ubiq.
// Run: npm run build, then npm run example -- examples/idp-profile.ts
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromConfigFiles, isCredentialsError, isSsoError } from 'ubiq-idp';
import { startLocalUbiq } from './support/local-ubiq.js';

const local = await startLocalUbiq();
try {
  const home = await local.writeHome();
  const mask = (text: string) => text.replaceAll(local.password, '********').replaceAll(local.clientSecret, '********');
  console.log(`~/.ubiq/credentials:\n${mask(await readFile(join(home, '.ubiq', 'credentials'), 'utf8'))}`);
  console.log(`~/.ubiq/configuration:\n${mask(await readFile(join(home, '.ubiq', 'configuration'), 'utf8'))}\n`);

  // ---- your application --------------------------------------------------------------------------
  // In your code: fromConfigFiles({ profile: 'idp' }) (or UBIQ_PROFILE=idp with defaultProvider()).
  const provider = fromConfigFiles({ profile: 'idp', load: { homeDir: home, env: {}, allowInsecureHttp: true } });
  try {
    const credentials = await provider();
    console.log(`profile ${credentials.profile}: access key id ${credentials.accessKeyId}`);
    if (credentials.kind === 'idp') console.log(`certificate valid until ${credentials.expiresAt.toISOString()}, key pair reused across renewals`);
    const renewed = await provider.forceRefresh();
    console.log(`renewed: same key pair ${renewed.secretCryptoAccessKey === credentials.secretCryptoAccessKey}, new certificate ${renewed.kind === 'idp' && credentials.kind === 'idp' && renewed.payloadCert !== credentials.payloadCert}`);
  } catch (error) {
    // Typed errors: a code to match on, a message, and a hint naming the setup step that fixes it.
    if (isSsoError(error) || isCredentialsError(error)) console.error(`${error.code}: ${error.message}\nhint: ${error.hint}`);
    throw error;
  } finally {
    await provider.close();
  }
  // -------------------------------------------------------------------------------------------------
} finally {
  await local.close();
}
