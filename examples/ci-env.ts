// CI: no home directory files, so everything comes from UBIQ_* environment variables (set them as
// masked CI secrets): UBIQ_SERVER, UBIQ_IDP_USERNAME, UBIQ_IDP_PASSWORD and the idp block as
// UBIQ_IDP_PROVIDER, UBIQ_IDP_CUSTOMER_ID, UBIQ_IDP_TOKEN_ENDPOINT_URL, UBIQ_IDP_TENANT_ID,
// UBIQ_IDP_CLIENT_SECRET. fromEnv() reads them (defaultProvider() tries it first).
// Run: npm run build, then npm run example -- examples/ci-env.ts
import { fromEnv } from 'ubiq-idp';
import { startLocalUbiq } from './support/local-ubiq.js';

const local = await startLocalUbiq();
try {
  const env = local.env();
  console.log('environment:', Object.keys(env).join(', '));

  // ---- your CI job -------------------------------------------------------------------------------
  // In your code: fromEnv() reads process.env. Here the variables come from the stand-in instead.
  const provider = fromEnv({
    load: { env, homeDir: '/nonexistent', allowInsecureHttp: true },
    onRefresh: (credentials, info) => console.log(`credentials refreshed (${info.reason}); next refresh at ${info.refreshAt.toISOString()}`),
  });
  const credentials = await provider();
  console.log(`signed in as ${credentials.kind === 'idp' ? credentials.username : '(static keys)'}; key id ${credentials.accessKeyId}`);
  await provider.close();
  // -------------------------------------------------------------------------------------------------
} finally {
  await local.close();
}
