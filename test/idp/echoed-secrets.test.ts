// An IdP that echoes what it received (the form body, the Authorization header) in error_description:
// no form of the password or client secret may reach IdpError or the CLI's output.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchIdpToken } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import { cli, tempDir } from '../cli/cli-helpers.js';
import { failure } from './helpers.js';

// Characters every encoding treats differently: space, +, /, &, =, %, !, ~, *, ', (, ), non-ASCII.
const PASSWORD = "Pa ss+w/ord&x=1%!~*'(é)";
const CLIENT_SECRET = 'cs sec+ret/&=%!~*()ü';
const CLIENT_ID = '0oa echo.client';

let server: Server;
let tokenEndpoint: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      // A careless IdP: quotes the raw form body and the Authorization header back (400 invalid_request).
      const echoed = `could not process request (authorization ${request.headers.authorization ?? 'none'}) body ${body}`;
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_request', error_description: echoed, errorId: 'oae-echo-1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v1/token`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Every form in which the secrets went over the wire: raw, URL-encoded, form-encoded, Basic. */
function wireForms(): string[] {
  const form = (v: string) => new URLSearchParams([['', v]]).toString().slice(1);
  const oauthForm = (v: string) => encodeURIComponent(v).replace(/[-_.!~*'()]|%20/g, (c) => (c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  const basic = (id: string, secret: string) => Buffer.from(`${id}:${secret}`).toString('base64').replace(/=+$/, '');
  return [
    PASSWORD,
    CLIENT_SECRET,
    encodeURIComponent(PASSWORD),
    encodeURIComponent(CLIENT_SECRET),
    form(PASSWORD),
    form(CLIENT_SECRET),
    oauthForm(PASSWORD),
    oauthForm(CLIENT_SECRET),
    basic(oauthForm(CLIENT_ID), oauthForm(CLIENT_SECRET)),
    basic(CLIENT_ID, CLIENT_SECRET),
  ];
}

function expectNoSecret(text: string): void {
  for (const form of wireForms()) expect(text, `contains ${form}`).not.toContain(form);
}

describe('secrets echoed by the IdP', () => {
  const settings = (): IdpSettings => ({ provider: 'okta', customerId: 'c', tokenEndpointUrl: tokenEndpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });

  it.each(['client_secret_post', 'client_secret_basic'] as const)('are scrubbed from IdpError (%s) in every form', async (clientAuth) => {
    const error = await failure(fetchIdpToken(settings(), { username: 'ada@example.com', password: PASSWORD }, { allowInsecureHttp: true, clientAuth, retry: false }));
    expect(error.code).toBe('invalid_request');
    expect(error.correlation?.errorId).toBe('oae-echo-1');
    // The echo did arrive (so the test sees the secrets' encoded forms), with them cut out.
    expect(error.idpErrorDescription).toContain('could not process request');
    expect(error.idpErrorDescription).toMatch(clientAuth === 'client_secret_basic' ? /authorization Basic \[REDACTED\]/ : /password=\[REDACTED\]/);
    expect(error.idpErrorDescription).toContain('[REDACTED]');
    expectNoSecret([error.message, error.hint, error.idpErrorDescription, JSON.stringify(error), inspect(error, { depth: 10 }), String(error.stack)].join('\n'));
  });

  it('are scrubbed from the CLI output of a failed login', async () => {
    const home = await tempDir('ubiq-echo-');
    try {
      const env = {
        UBIQ_SERVER: 'http://127.0.0.1:9',
        UBIQ_IDP_PROVIDER: 'okta',
        UBIQ_IDP_CUSTOMER_ID: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f',
        UBIQ_IDP_TOKEN_ENDPOINT_URL: tokenEndpoint,
        UBIQ_IDP_TENANT_ID: CLIENT_ID,
        UBIQ_IDP_CLIENT_SECRET: CLIENT_SECRET,
        UBIQ_IDP_USERNAME: 'ada@example.com',
        UBIQ_IDP_PASSWORD: PASSWORD,
      };
      for (const argv of [['login', '--allow-http', '--key-size', '2048'], ['login', '--allow-http', '--key-size', '2048', '--json']]) {
        const run = await cli(argv, { env, homeDir: home.path });
        expect(run.code).not.toBe(0);
        const output = run.stdout + run.stderr;
        expect(output).toContain('password=[REDACTED]');
        expectNoSecret(output);
      }
    } finally {
      await home.remove();
    }
  });
});
