// Proxy routing of the default transport (undici EnvHttpProxyAgent) through a tiny CONNECT proxy on
// 127.0.0.1. What this proves: with HTTP_PROXY set, an http:// token endpoint is reached through a CONNECT
// tunnel and a token comes back; NO_PROXY bypasses the proxy; with HTTPS_PROXY set, an https:// endpoint
// is asked of the proxy as `CONNECT host:443` (the TLS handshake itself is not completed here: the proxy
// refuses the tunnel, as there is no TLS IdP on loopback).
import { createServer, type Server, type Socket } from 'node:net';
import { connect } from 'node:net';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createOktaEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { fetchIdpToken, isIdpError } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';

interface Proxy {
  url: string;
  connects: string[];
  close(): Promise<void>;
}

/** A CONNECT-only proxy: tunnels to 127.0.0.1 targets, answers 403 to anything else. */
async function startConnectProxy(): Promise<Proxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const [method, target] = head.slice(0, head.indexOf('\r\n')).split(' ');
      if (method !== 'CONNECT' || target === undefined) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      connects.push(target);
      const [host, port] = target.split(':');
      if (host !== '127.0.0.1') {
        client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** undici reads the lower-case name first (an empty `http_proxy` hides `HTTP_PROXY`): set both, as a shell user would. */
function stubProxyEnv(name: 'HTTP_PROXY' | 'HTTPS_PROXY' | 'NO_PROXY', value: string): void {
  vi.stubEnv(name, value);
  vi.stubEnv(name.toLowerCase(), value);
}

let okta: OktaEmulator;
let proxy: Proxy;
let settings: IdpSettings;
beforeEach(async () => {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'] as const) stubProxyEnv(name, '');
  okta = createOktaEmulator({
    apps: [{ clientId: '0oaclient', clientSecret: 'proxy-test-secret', grantTypes: ['password'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [{ login: 'ada@example.com', password: 'proxy-test-password' }],
  });
  const { tokenEndpoint } = await okta.listen();
  settings = { provider: 'okta', customerId: 'c', tokenEndpointUrl: tokenEndpoint, clientId: '0oaclient', clientSecret: 'proxy-test-secret', scope: 'openid okta.users.read' };
  proxy = await startConnectProxy();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await okta.close();
  await proxy.close();
});

const user = { username: 'ada@example.com', password: 'proxy-test-password' };

it('HTTP_PROXY: the token request goes through the proxy (CONNECT tunnel) and succeeds', async () => {
  stubProxyEnv('HTTP_PROXY', proxy.url);
  const token = await fetchIdpToken(settings, user, { allowInsecureHttp: true });
  expect(token.accessToken).not.toBe('');
  expect(proxy.connects).toEqual([new URL(settings.tokenEndpointUrl).host]);
  expect(okta.stats().byStatus).toEqual({ '200': 1 });
});

it('NO_PROXY: a listed host is reached directly', async () => {
  stubProxyEnv('HTTP_PROXY', proxy.url);
  stubProxyEnv('NO_PROXY', '127.0.0.1');
  await fetchIdpToken(settings, user, { allowInsecureHttp: true });
  expect(proxy.connects).toEqual([]);
  expect(okta.stats().total).toBe(1);
});

it('without proxy variables nothing goes to the proxy', async () => {
  await fetchIdpToken(settings, user, { allowInsecureHttp: true });
  expect(proxy.connects).toEqual([]);
});

it('HTTPS_PROXY: an https:// token endpoint is asked of the proxy as CONNECT host:443', async () => {
  stubProxyEnv('HTTPS_PROXY', proxy.url);
  const error = await fetchIdpToken({ ...settings, tokenEndpointUrl: 'https://trial-4377979.okta.com/oauth2/v1/token' }, user, { retry: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isIdpError(error) && error.code).toBe('network_error');
  expect(proxy.connects).toEqual(['trial-4377979.okta.com:443']);
  expect(okta.stats().total).toBe(0);
});
