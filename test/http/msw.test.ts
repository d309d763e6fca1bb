// msw 2 intercepts the global fetch, not the undici package's own fetch. These tests pin both facts:
// inject `fetch: globalThis.fetch` to test with msw (here msw serves the Okta emulator's fetch handler at
// the seed's org URL, no socket); the default transport (undici fetch + its own agent) goes to the network
// and msw never sees it. Unhandled requests are errors, so a miss fails loudly instead of passing silently.
import { createServer, type Server } from 'node:http';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createOktaEmulator } from 'ubiq-idp/testing';
import { createHttpClient } from '../../src/http/index.js';
import { fetchIdpToken, isIdpError } from '../../src/idp/index.js';

const ORG = 'https://trial-4377979.okta.com';
const okta = createOktaEmulator({
  orgUrl: ORG,
  apps: [{ clientId: '0oamj6wsupUbPfqXt697', clientSecret: 'msw-secret-value', grantTypes: ['password', 'refresh_token'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
  users: [{ login: 'ada@example.com', password: 'msw-password-value' }],
});
let mswHits = 0;
const server = setupServer(
  http.all(`${ORG}/*`, ({ request }) => {
    mswHits += 1;
    return okta.fetch(request);
  }),
);
const unhandled: string[] = [];
// Like 'error', but msw's own 'error' message prints the request body (the password and client secret of
// the token request) to stderr: name the request by method, origin and path only.
beforeAll(() =>
  server.listen({
    onUnhandledRequest(request) {
      const { origin, pathname } = new URL(request.url);
      unhandled.push(`${request.method} ${origin}${pathname}`);
      throw new Error(`unhandled request: ${request.method} ${origin}${pathname}`);
    },
  }),
);
afterEach(() => {
  server.resetHandlers();
  mswHits = 0;
  okta.resetStats();
});
afterAll(async () => {
  server.close();
  await okta.close();
});

const settings = {
  provider: 'okta' as const,
  customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f',
  tokenEndpointUrl: `${ORG}/oauth2/v1/token`,
  clientId: '0oamj6wsupUbPfqXt697',
  clientSecret: 'msw-secret-value',
};
const user = { username: 'ada@example.com', password: 'msw-password-value' };

it('an injected global fetch is intercepted by msw (the emulator answers in process)', async () => {
  const token = await fetchIdpToken(settings, user, { fetch: globalThis.fetch });
  expect(token.idTokenClaims?.iss).toBe(ORG);
  expect(mswHits).toBe(1);
  expect(okta.stats().byGrant).toEqual({ password: 1 });
});

it('an unhandled request through the injected fetch fails loudly (onUnhandledRequest throws)', async () => {
  const error = await fetchIdpToken({ ...settings, tokenEndpointUrl: 'https://unhandled.okta.example/oauth2/v1/token' }, user, {
    fetch: globalThis.fetch,
    retry: false,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  // msw answers a throwing onUnhandledRequest with a 500 "Unhandled Exception": the sign-in fails either way.
  expect(isIdpError(error) && error.code).toMatch(/^(network_error|idp_unavailable)$/);
  expect(mswHits).toBe(0);
  expect(unhandled).toEqual(['POST https://unhandled.okta.example/oauth2/v1/token']);
});

it('the default transport (undici fetch) is NOT intercepted by msw: it reaches the real socket', async () => {
  const real: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('from the socket'));
  await new Promise<void>((resolve) => real.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(real.address() as { port: number }).port}/probe`;
  server.use(http.get(url, () => HttpResponse.text('from msw')));
  const client = createHttpClient();
  try {
    expect(await (await client.request(url, { method: 'GET' })).text()).toBe('from the socket');
    expect(await (await globalThis.fetch(url)).text()).toBe('from msw');
  } finally {
    await client.close();
    await new Promise<void>((resolve) => real.close(() => resolve()));
  }
});
