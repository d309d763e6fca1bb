import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { LoadedConfig } from '../config/load.js';
import { createHttpClient } from '../http/index.js';
import { stripControl } from '../idp/device.js';
import { interactiveScope } from '../idp/oidc-client.js';
import { discoveryUrlFor } from '../idp/providers.js';
import type { DoctorReport } from './doctor-report.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const discoverySchema = z.object({
  authorization_endpoint: z.string().optional(),
  device_authorization_endpoint: z.string().optional(),
  grant_types_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});

const errorSchema = z.object({ error: z.string().optional(), error_codes: z.array(z.number()).optional(), errorCode: z.string().optional() }).loose();

/** The console switch each refusal means, per IdP. */
const FIX = {
  okta: {
    device: 'Okta Admin Console → Applications → the Native OIDC application → General → Grant type: tick "Device Authorization" (and "Refresh Token"), then save.',
    code: 'Okta Admin Console → the Native OIDC application → General → Grant type: tick "Authorization Code" (and "Refresh Token"), then save.',
    redirect: (uri: string) => `Okta Admin Console → the Native OIDC application → General → LOGIN → Sign-in redirect URIs: add ${uri} (Okta compares the whole URI, port included).`,
    client: 'tenant_id must be the Client ID of the Native OIDC application (General tab); a confidential app also needs client_secret.',
  },
  entra: {
    device: 'Entra admin center → App registrations → your application → Authentication → Advanced settings: "Allow public client flows" = Yes, then save.',
    code: 'Entra admin center → App registrations → your application → Authentication → + Add a platform → "Mobile and desktop applications".',
    redirect: () => 'Entra admin center → App registrations → your application → Authentication → + Add a platform → "Mobile and desktop applications" → custom redirect URI http://127.0.0.1/callback (any port is accepted on it).',
    client: 'tenant_id must be the Application (client) ID of the app registration, in the directory of token_endpoint_url.',
  },
} as const;

/**
 * `doctor` for a device or browser sign-in profile: the discovery document must advertise the grant, and a
 * harmless probe of the IdP tells whether the application may use it (a device code is requested and left
 * to expire; the authorization endpoint is asked for its sign-in page, never followed). Each refusal names
 * the console switch that is missing. Nothing is signed in, nothing secret is printed.
 */
export async function checkInteractiveGrant(report: DoctorReport, config: Extract<LoadedConfig, { kind: 'idp' }>, signal: AbortSignal | undefined): Promise<void> {
  const idp = config.idp;
  const grant = idp.grant ?? 'password';
  if (grant === 'password') return;
  const fix = FIX[idp.provider];
  const http = createHttpClient({ retry: false, timeoutMs: 10_000 });
  try {
    const discoveryUrl = discoveryUrlFor(idp);
    const answer = await http.request(discoveryUrl, { method: 'GET', headers: { accept: 'application/json' }, ...(signal === undefined ? {} : { signal }) });
    const parsed = discoverySchema.safeParse(await answer.json().catch(() => undefined));
    if (answer.status !== 200 || !parsed.success) {
      report.add({ status: 'fail', title: `${grant} sign-in: the discovery document ${discoveryUrl} could not be read (HTTP ${answer.status})`, code: 'discovery_failed' });
      return;
    }
    const doc = parsed.data;
    const secret: Record<string, string> = idp.clientSecret === '' ? {} : { client_secret: idp.clientSecret };
    if (grant === 'device') {
      if (doc.device_authorization_endpoint === undefined || (doc.grant_types_supported !== undefined && !doc.grant_types_supported.includes(DEVICE_GRANT))) {
        report.add({ status: 'fail', title: 'device sign-in: the IdP does not advertise the device authorization grant', fix: fix.device, code: 'grant_not_supported' });
        return;
      }
      const probe = await http.request(doc.device_authorization_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ client_id: idp.clientId, scope: interactiveScope(idp), ...secret }).toString(),
        ...(signal === undefined ? {} : { signal }),
      });
      const body = errorSchema.safeParse(await probe.json().catch(() => ({})));
      if (probe.status === 200) {
        report.add({ status: 'ok', title: 'device sign-in: the application may use the device authorization grant', detail: '(a code was requested and left to expire)' });
        return;
      }
      const error = body.success ? (body.data.error ?? body.data.errorCode ?? '') : '';
      const aadsts = body.success ? body.data.error_codes?.[0] : undefined;
      const publicClientsOff = aadsts === 7000218 || (idp.provider === 'okta' && error === 'unauthorized_client');
      report.add({
        status: 'fail',
        title: `device sign-in: the IdP refused a device code (HTTP ${probe.status}${error === '' ? '' : `, ${stripControl(error)}`}${aadsts === undefined ? '' : `, AADSTS${aadsts}`})`,
        fix: publicClientsOff ? fix.device : error === 'invalid_client' || aadsts === 700016 ? fix.client : fix.device,
        code: 'grant_not_enabled',
      });
      return;
    }
    // browser
    if (doc.authorization_endpoint === undefined) {
      report.add({ status: 'fail', title: 'browser sign-in: the IdP advertises no authorization endpoint', code: 'grant_not_supported' });
      return;
    }
    if (doc.code_challenge_methods_supported !== undefined && !doc.code_challenge_methods_supported.includes('S256')) {
      report.add({ status: 'fail', title: 'browser sign-in: the IdP does not advertise PKCE with S256', code: 'grant_not_supported' });
      return;
    }
    if (idp.provider === 'okta' && idp.redirectPort === undefined) {
      report.add({
        status: 'warn',
        title: 'browser sign-in: redirect_port is not set, so the port changes every time; Okta accepts only the exact registered redirect URI',
        fix: `Choose a free port, set redirect_port (or UBIQ_IDP_REDIRECT_PORT), and ${fix.redirect('http://127.0.0.1:{port}/callback')}`,
      });
    }
    const redirectUri = `http://127.0.0.1:${idp.redirectPort ?? 8400}/callback`;
    const url = new URL(doc.authorization_endpoint);
    const state = randomBytes(16).toString('base64url');
    for (const [name, value] of Object.entries({
      client_id: idp.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: interactiveScope(idp),
      state,
      code_challenge: randomBytes(32).toString('base64url'),
      code_challenge_method: 'S256',
    })) {
      url.searchParams.set(name, value);
    }
    const probe = await http.request(url, { method: 'GET', redirect: 'manual', ...(signal === undefined ? {} : { signal }) });
    await probe.text().catch(() => '');
    const location = probe.headers.get('location');
    if (probe.status >= 300 && probe.status < 400 && location !== null && location.startsWith(redirectUri)) {
      const error = new URL(location).searchParams.get('error');
      if (error === null) report.add({ status: 'ok', title: `browser sign-in: the IdP accepts the redirect URI ${redirectUri}` });
      else report.add({ status: 'fail', title: `browser sign-in: the IdP sends the browser back with ${stripControl(error).slice(0, 60)}`, fix: fix.code, code: 'grant_not_enabled' });
      return;
    }
    if (probe.status === 200 || (probe.status >= 300 && probe.status < 400)) {
      report.add({ status: 'ok', title: `browser sign-in: the IdP shows its sign-in page for the redirect URI ${redirectUri}` });
      return;
    }
    report.add({ status: 'fail', title: `browser sign-in: the IdP refused the redirect URI ${redirectUri} (HTTP ${probe.status})`, fix: fix.redirect(redirectUri), code: 'redirect_uri_not_registered' });
  } catch (error) {
    report.add({ status: 'fail', title: `${grant} sign-in could not be checked: ${error instanceof Error ? stripControl(error.message).slice(0, 200) : 'unknown error'}`, code: 'network_error' });
  } finally {
    await http.close();
  }
}
