// The application's way: one provider per process from defaultProvider(), which finds the settings the
// way the official Ubiq clients do (UBIQ_* environment variables first, then ~/.ubiq/credentials and
// ~/.ubiq/configuration), signs in to the IdP when the profile has IDP_USERNAME, and keeps short-lived
// credentials fresh in the background. Here a local stand-in for Okta + Ubiq plays the network.
// Run: npm run build, then npm run example -- examples/default-provider.ts
import { defaultProvider, signUbiqRequest } from 'ubiq-idp';
import { startLocalUbiq } from './support/local-ubiq.js';

const local = await startLocalUbiq();
try {
  const home = await local.writeHome();

  // ---- your application --------------------------------------------------------------------------
  // In your code: defaultProvider({ profile: 'idp', pregenerateKeyPair: true }). `load` only points at the
  // stand-in's files and lets it use http:// on 127.0.0.1.
  const provider = defaultProvider({ profile: 'idp', pregenerateKeyPair: true, load: { homeDir: home, env: {}, allowInsecureHttp: true } });
  provider.onRefreshError((error) => console.warn('credentials refresh failed; still-valid credentials are served meanwhile:', error));

  // Every call is cheap: concurrent callers share one sign-in, later calls get the cached credentials.
  const [credentials] = await Promise.all([provider(), provider(), provider()]);
  if (credentials.kind !== 'idp') throw new Error('expected IdP credentials');
  console.log(`credentials for ${credentials.username} (${credentials.provider}), valid until ${credentials.expiresAt.toISOString()}`);
  console.log(credentials); // secrets print as [REDACTED]

  // Your own HTTP call to a key endpoint, signed as the Ubiq clients sign (ARCHITECTURE.md, Request signing).
  const url = `${credentials.server}/api/v0/encryption/key`;
  const body = JSON.stringify({ uses: 1, payload_cert: credentials.payloadCert });
  const response = await fetch(url, { method: 'POST', headers: signUbiqRequest({ method: 'POST', url, body, credentials }), body, signal: AbortSignal.timeout(5_000) });
  console.log(`POST /api/v0/encryption/key → ${response.status}`);

  await provider.close(); // on shutdown: stops the background refresh
  // -------------------------------------------------------------------------------------------------
} finally {
  await local.close();
}
