import { lookup } from 'node:dns/promises';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import * as z from 'zod';
import type { IdpSettings } from '../config/types.js';
import { createHttpClient } from '../http/index.js';
import { PROVIDERS } from '../idp/providers.js';
import type { DoctorReport } from './doctor-report.js';
import { formatMs } from './ui.js';

const STEP_TIMEOUT_MS = 5_000;

/** Runs `work` with a deadline; rejects when it passes even if `work` ignores the signal (dns.lookup does). */
// The `no answer within …` rejections here are internal: each check catches them and prints their message
// as its result line; they never leave the doctor.
function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, parent: AbortSignal | undefined, ms = STEP_TIMEOUT_MS): Promise<T> {
  const signal = parent ? AbortSignal.any([parent, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? new Error(`no answer within ${formatMs(ms)}`) : signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  return Promise.race([work(signal), aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}

function errnoText(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

function socketStep(open: (done: (error?: Error, detail?: string) => void) => { destroy(): void }, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let socket: { destroy(): void } | undefined;
    const onAbort = () => {
      socket?.destroy();
      reject(signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? new Error(`no answer within ${formatMs(STEP_TIMEOUT_MS)}`) : signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket = open((error, detail) => {
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      if (error) reject(error);
      else resolve(detail ?? '');
    });
  });
}

/** DNS, then TCP, then (for https) TLS with certificate verification, to the host of `url`. */
export async function checkReachability(report: DoctorReport, label: string, url: string, signal: AbortSignal | undefined, env: Record<string, string | undefined> = {}): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    report.add({ status: 'fail', title: `${label}: '${url}' is not a URL` });
    return false;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const proxy = parsed.protocol === 'https:' && (env.HTTPS_PROXY ?? env.https_proxy ?? '') !== '';

  const dns = await report.ui.spin(`${label}: resolving ${host}`, () => withTimeout(() => lookup(host, { all: true }), signal).then((a) => ({ ok: true as const, a }), (e: unknown) => ({ ok: false as const, e })));
  if (!dns.value.ok) {
    report.add({
      status: 'fail',
      title: `${label}: DNS lookup of ${host} failed (${errnoText(dns.value.e)})`,
      fix: `Check the host name in ${url} (typo? pasted with <…>?) and this machine's DNS; behind a proxy, direct lookups may fail while HTTPS_PROXY works.`,
      code: 'dns_failed',
    });
    return false;
  }
  const addresses = dns.value.a.map((a) => a.address);
  report.add({ status: 'ok', title: `${label}: DNS ${host} → ${addresses.slice(0, 3).join(', ')}`, detail: `(${formatMs(dns.ms)})` });

  const address = addresses[0] ?? host;
  const tcp = await report.ui.spin(`${label}: connecting to ${host}:${port}`, () =>
    withTimeout(
      (s) =>
        socketStep((done) => {
          const socket = tcpConnect({ host: address, port });
          socket.once('connect', () => done());
          socket.once('error', (error: Error) => done(error));
          return socket;
        }, s),
      signal,
    ).then(
      () => ({ ok: true as const }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
  );
  if (!tcp.value.ok) {
    report.add({
      status: 'fail',
      title: `${label}: TCP connection to ${host}:${port} failed (${errnoText(tcp.value.e)})`,
      fix: `Nothing answers at ${parsed.origin}: check the URL and port, that the service is running, and firewalls.${proxy ? ' HTTPS_PROXY is set: requests will go through the proxy, so a failed direct connection may be expected.' : ''}`,
      code: 'tcp_failed',
    });
    return false;
  }
  report.add({ status: 'ok', title: `${label}: TCP ${host}:${port} accepts connections`, detail: `(${formatMs(tcp.ms)})` });

  if (parsed.protocol !== 'https:') {
    report.add({ status: 'warn', title: `${label}: ${parsed.origin} is plain http://: no TLS (acceptable only for a local emulator)` });
    return true;
  }
  const tls = await report.ui.spin(`${label}: TLS handshake with ${host}`, () =>
    withTimeout(
      (s) =>
        socketStep((done) => {
          const socket = tlsConnect({ host: address, port, servername: host, ALPNProtocols: ['http/1.1'] });
          socket.once('secureConnect', () => {
            const cert: PeerCertificate = socket.getPeerCertificate();
            done(undefined, `certificate for ${String(cert.subject?.CN ?? host)}, valid until ${String(cert.valid_to ?? '?')}, ${socket.getProtocol() ?? 'TLS'}`);
          });
          socket.once('error', (error: Error) => done(error));
          return socket;
        }, s),
      signal,
    ).then(
      (detail) => ({ ok: true as const, detail }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
  );
  if (!tls.value.ok) {
    report.add({
      status: 'fail',
      title: `${label}: TLS handshake with ${host} failed (${errnoText(tls.value.e)})`,
      fix: 'The certificate is not trusted or the host does not speak TLS on this port. A company proxy that inspects TLS needs its CA in NODE_EXTRA_CA_CERTS.',
      code: 'tls_failed',
    });
    return false;
  }
  report.add({ status: 'ok', title: `${label}: TLS ok, ${tls.value.detail}`, detail: `(${formatMs(tls.ms)})` });
  return true;
}

const discoverySchema = z.object({
  issuer: z.string(),
  token_endpoint: z.string(),
  jwks_uri: z.string(),
  grant_types_supported: z.array(z.string()).optional(),
});

/**
 * Fetches the OpenID Connect discovery document of the issuer the token endpoint belongs to, and checks
 * its issuer and token endpoint against the configuration.
 */
export async function checkDiscovery(report: DoctorReport, idp: IdpSettings, signal: AbortSignal | undefined): Promise<void> {
  const profile = PROVIDERS[idp.provider];
  let issuer: string;
  try {
    issuer = profile.issuerFromTokenEndpoint(new URL(idp.tokenEndpointUrl));
  } catch {
    return;
  }
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  // The library's HTTP client, so HTTPS_PROXY / NO_PROXY apply as they will to the sign-in.
  const http = createHttpClient({ retry: false, timeoutMs: STEP_TIMEOUT_MS });
  const result = await report.ui.spin(`fetching ${discoveryUrl}`, () =>
    withTimeout(async (s) => {
      try {
        const response = await http.request(discoveryUrl, { method: 'GET', signal: s, headers: { accept: 'application/json' } });
        const text = await response.text();
        return { status: response.status, text };
      } finally {
        await http.close();
      }
    }, signal).then(
      (answer) => ({ ok: true as const, answer }),
      (e: unknown) => ({ ok: false as const, e }),
    ),
  );
  if (!result.value.ok) {
    report.add({ status: 'fail', title: `discovery document ${discoveryUrl} could not be fetched (${errnoText(result.value.e)})`, code: 'discovery_failed' });
    return;
  }
  const { status, text } = result.value.answer;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = discoverySchema.safeParse(json);
  if (status !== 200 || !parsed.success) {
    report.add({
      status: 'fail',
      title: `discovery document ${discoveryUrl} answered ${status}${parsed.success ? '' : ' without issuer/token_endpoint/jwks_uri'}`,
      fix:
        idp.provider === 'okta'
          ? 'token_endpoint_url must be https://{org}.okta.com/oauth2/v1/token (or a custom server\'s /oauth2/{id}/v1/token); the discovery document lives beside it.'
          : 'token_endpoint_url must be https://login.microsoftonline.com/{Directory (tenant) ID}/oauth2/v2.0/token.',
      code: 'discovery_failed',
    });
    return;
  }
  const doc = parsed.data;
  report.add({ status: 'ok', title: `discovery document found: issuer ${doc.issuer}`, detail: `(${formatMs(result.ms)})` });
  if (doc.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    report.add({ status: 'warn', title: `discovery issuer ${doc.issuer} differs from the one expected for this token endpoint (${issuer})`, code: 'issuer_mismatch' });
  }
  if (doc.token_endpoint !== idp.tokenEndpointUrl) {
    report.add({
      status: 'warn',
      title: `the discovery document's token endpoint is ${doc.token_endpoint}, not token_endpoint_url (${idp.tokenEndpointUrl})`,
      fix: `Set token_endpoint_url to ${doc.token_endpoint}.`,
      code: 'token_endpoint_mismatch',
    });
  } else {
    report.add({ status: 'ok', title: 'token_endpoint_url matches the discovery document' });
  }
  if (doc.grant_types_supported && !doc.grant_types_supported.includes('password') && (idp.grant ?? 'password') === 'password') {
    report.add({ status: 'warn', title: 'the discovery document does not list the password grant', fix: 'The Ubiq IdP integration signs in with the resource-owner password grant.' });
  }
  report.add({
    status: 'info',
    title: `Ubiq IDP Settings window should say: OpenID Connect Discovery URL ${discoveryUrl}`,
    detail: idp.provider === 'entra' ? '(IDP Token Issuer https://sts.windows.net/{tenant id}/, Audience = Application ID URI)' : `(IDP Token Issuer ${doc.issuer})`,
  });
}
