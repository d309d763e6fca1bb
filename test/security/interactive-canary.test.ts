// Secrets canary for device and browser sign-in: every secret these flows handle (authorization code, PKCE
// verifier, device code, access/refresh/ID tokens) is captured on the wire, and every log line, error
// (message, hint, cause chain, inspect), returned object's inspect/JSON and browser page is scanned: zero hits.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createOktaEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import { initiateDeviceAuthorization, pollDeviceAuthorizationGrant, signInWithBrowser, signInWithDevice } from '../../src/idp/index.js';
import type { IdpSettings } from '../../src/config/types.js';
import type { FetchLike } from '../../src/http/index.js';
import type { Logger } from '../../src/util/logger.js';

const CLIENT = '0oacanarynative000001';
const PASSWORD = 'canary-interactive-password-9a4e';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code' as const;

let okta: OktaEmulator | undefined;
afterEach(async () => {
  await okta?.close();
  okta = undefined;
});

/** Secrets seen on the wire (requests and answers), and everything the flows showed. */
function harness() {
  const secrets = new Set<string>([PASSWORD]);
  const shown: string[] = [];
  const fetch: FetchLike = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    for (const [name, value] of new URLSearchParams(body)) if (['code', 'code_verifier', 'device_code', 'refresh_token', 'password'].includes(name)) secrets.add(value);
    const response = await globalThis.fetch(input instanceof Request ? input : String(input), init);
    const text = await response.clone().text();
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      for (const field of ['access_token', 'refresh_token', 'id_token', 'device_code']) if (typeof json[field] === 'string') secrets.add(json[field]);
    } catch {
      // not JSON
    }
    return response;
  };
  const show = (value: unknown) => {
    shown.push(typeof value === 'string' ? value : `${inspect(value, { depth: 10, showHidden: true })} ${JSON.stringify(value) ?? ''}`);
    let current: unknown = value;
    for (let depth = 0; current instanceof Error && depth < 8; depth += 1) {
      const hint = (current as { hint?: unknown }).hint;
      shown.push(current.message, typeof hint === 'string' ? hint : '', current.stack ?? '');
      current = current.cause;
    }
  };
  const line = (message: string, fields?: Record<string, unknown>) => show(`${message} ${inspect(fields, { depth: 8 })}`);
  const logger: Logger = { debug: line, info: line, warn: line, error: line };
  const check = () => {
    expect(secrets.size).toBeGreaterThan(3);
    for (const secret of secrets) {
      for (const text of shown) expect(text.includes(secret), `a secret (${secret.length} chars) leaked`).toBe(false);
    }
  };
  return { fetch, logger, show, check, secrets };
}

async function start(): Promise<IdpSettings> {
  const port = 41_000 + Math.floor(Math.random() * 9_000);
  okta = createOktaEmulator({
    apps: [{ clientId: CLIENT, grantTypes: ['authorization_code', 'refresh_token', DEVICE], grantedScopes: ['okta.users.read', 'okta.groups.read'], redirectUris: [`http://127.0.0.1:${port}/callback`] }],
    users: [{ login: 'ada@example.com', password: PASSWORD, mfaRequired: true }],
  });
  const info = await okta.listen();
  return { provider: 'okta', customerId: '00000000-0000-4000-8000-000000000000', tokenEndpointUrl: info.tokenEndpoint, clientId: CLIENT, clientSecret: '', redirectPort: port };
}

describe('secrets canary: device and browser sign-in', () => {
  it('browser sign-in: the code, verifier and tokens appear in no log, error, URL shown, result inspect or page', async () => {
    const settings = await start();
    const h = harness();
    const emulator = okta as OktaEmulator;
    let page = '';
    const token = await signInWithBrowser(settings, {
      allowInsecureHttp: true,
      fetch: h.fetch,
      logger: h.logger,
      redirectPort: settings.redirectPort ?? 0,
      onAuthorizationUrl: (url) => h.show(url),
      openBrowser: (url) => {
        // The person's browser: sign-in, TOTP, then the loopback redirect (its page is kept for the scan).
        void (async () => {
          const cookies: string[] = [];
          const go = async (target: string, init: RequestInit = {}) => {
            const answer = await fetch(target, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: cookies.join('; ') }, redirect: 'manual' });
            for (const c of answer.headers.getSetCookie()) cookies.push(c.split(';')[0] ?? '');
            return answer;
          };
          const post = (html: string, fields: Record<string, string>) => {
            const hidden = Object.fromEntries([...html.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
            return go(new URL(/action="([^"]+)"/.exec(html)?.[1] ?? '', url).href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...hidden, ...fields }).toString() });
          };
          const signIn = await (await go(url)).text();
          const totp = await (await post(signIn, { username: 'ada@example.com', password: PASSWORD, step: 'password' })).text();
          const back = await post(totp, { otp: emulator.totp('ada@example.com'), step: 'totp' });
          const location = back.headers.get('location') ?? '';
          h.secrets.add(new URL(location).searchParams.get('code') ?? 'missing');
          page = await (await fetch(location)).text();
        })();
        return Promise.resolve(true);
      },
    });
    h.show(token);
    h.show(page);
    expect(page).toContain('Signed in');
    h.check();
  });

  it('device sign-in: the device code and tokens appear in no log, prompt, error or result; nor in a refusal', async () => {
    const settings = await start();
    const h = harness();
    const emulator = okta as OktaEmulator;
    const token = await signInWithDevice(settings, {
      allowInsecureHttp: true,
      fetch: h.fetch,
      logger: h.logger,
      onDeviceCode: (prompt) => {
        h.show(prompt);
        setTimeout(() => emulator.approveDevice(prompt.userCode, 'ada@example.com'), 300);
      },
    });
    h.show(token);
    const denied = await initiateDeviceAuthorization(settings, { allowInsecureHttp: true, fetch: h.fetch, logger: h.logger });
    h.show(denied);
    emulator.denyDevice(denied.prompt.userCode);
    h.show(await pollDeviceAuthorizationGrant(denied, { logger: h.logger }).catch((error: unknown) => error));
    h.check();
  });
});
