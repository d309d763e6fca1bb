import type { KeyObject } from 'node:crypto';
import * as z from 'zod';
import { createHttpClient, describeUrl, isHttpRequestError, type FetchLike, type HttpClient, type RetryOptions } from '../http/index.js';
import { checkEndpointUrl } from '../util/endpoint-url.js';
import { allowsInsecureHttp, HOW_TO_ALLOW_HTTP } from '../util/insecure-http.js';
import { scrub } from '../util/redact.js';
import { parseCertificatePem, publicKeysEqual, type ParsedCertificate } from '../x509/certificate.js';
import { SsoError } from './errors.js';
import type { Clock } from '../util/clock.js';

/** Options of {@link exchangeIdpToken}. */
export interface ExchangeIdpTokenOptions {
  /** Ubiq API base URL (`SERVER`), e.g. `https://api.ubiqsecurity.com`. */
  server: string;
  /** Ubiq customer id (UUID), the path segment of the SCIM URL. */
  customerId: string;
  /** The IdP access token. Secret: it never appears in an error. */
  accessToken: string;
  /** PKCS#10 CSR, PEM. */
  csrPem: string;
  /** The public key of the CSR: the certificate must carry this key. Strongly recommended. */
  expectedPublicKey?: KeyObject;
  /** @internal HTTP client to use (retries 429/5xx and network errors). Default: a new one, closed afterwards. */
  http?: HttpClient;
  /** `fetch` for the default client. */
  fetch?: FetchLike;
  /** Retry policy of the default client (429, 5xx, network errors). */
  retry?: RetryOptions | false;
  signal?: AbortSignal;
  /** Per attempt. Default 10 s (the HTTP client's default). */
  timeoutMs?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: Clock;
  /** Tolerated clock difference with the server when checking notBefore. Default 60 s. */
  clockSkewMs?: number;
  /**
   * Allow an `http://` server (the request carries the IdP access token): only for a local reference
   * server in tests. `UBIQ_ALLOW_INSECURE_HTTP=1` allows it too.
   */
  allowInsecureHttp?: boolean;
}

/** What the SSO endpoint gave us, validated. */
export interface SsoExchangeResult {
  /** `api_cert`, PEM, exactly as received. */
  certificate: string;
  /** Base64 of `certificate`: the `payload_cert` of key requests. */
  payloadCert: string;
  /** `public_value`: the access key id. */
  publicValue: string;
  /** `signing_value`: the secret signing key. Secret. */
  signingValue: string;
  notBefore: Date;
  notAfter: Date;
}

/** The 200 answer of the SSO exchange, step 2 (ARCHITECTURE.md, SSO exchange). Extra members are tolerated (servers add fields over time). */
const ssoAnswerSchema = z.object({
  api_cert: z.string().min(1),
  public_value: z.string().min(1),
  signing_value: z.string().min(1),
});

const HINT_CONFIG = 'Check SERVER and customer_id (the UUID in the Ubiq SCIM URL) in ~/.ubiq/configuration.';
const HINT_401 =
  'Ubiq did not accept the IdP token: in the Ubiq UI, check the IdP settings (OpenID Connect discovery URL, token issuer and audience) against your Okta/Entra app, as the setup guide describes.';
const HINT_403 =
  'The IdP user is known but may not get credentials: make sure the user is assigned to the Ubiq app in Okta/Entra, provisioned to Ubiq (SCIM) and active, with an enabled API key.';

// Exported by ubiq-idp through credentials/index.ts, which loads this module on its first call (the TSDoc is there).
export async function exchangeIdpToken(options: ExchangeIdpTokenOptions): Promise<SsoExchangeResult> {
  const now = options.now ?? Date.now;
  const skew = options.clockSkewMs ?? 60_000;
  // The library's one URL validation, as for SERVER in the files and fromStaticKeys().
  const server = checkEndpointUrl('server', options.server, { allowInsecureHttp: allowsInsecureHttp(options.allowInsecureHttp) });
  if (server.url === undefined) {
    if (server.problems.some((p) => p.code === 'insecure_http')) {
      throw new SsoError('sso_insecure_server', `The Ubiq server ${describeUrl(options.server)} uses http://; the SSO exchange sends the IdP access token, so it must use https://.`, {
        hint: `Use the https:// URL of the Ubiq server in SERVER (or UBIQ_SERVER); ${HOW_TO_ALLOW_HTTP}.`,
      });
    }
    throw new SsoError('sso_invalid_server', `The Ubiq server URL ${server.problems.map((p) => p.message).join('; ')}.`, {
      hint: 'Give the Ubiq API base URL in SERVER (or UBIQ_SERVER), e.g. https://api.ubiqsecurity.com.',
    });
  }
  const url = ssoUrl(server.url, options.customerId);
  const secrets = [options.accessToken];
  const http = options.http ?? createHttpClient({ ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.retry === undefined ? {} : { retry: options.retry }) });
  let response: Response;
  let text: string;
  try {
    response = await http.request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ csr: options.csrPem }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    const detail = isHttpRequestError(error) ? scrub(error.message, secrets) : 'network error';
    throw new SsoError('sso_unreachable', `The Ubiq SSO endpoint ${url} could not be reached: ${detail}.`, {
      hint: `${HINT_CONFIG} Check that this machine can reach the server (proxy settings: HTTPS_PROXY, NO_PROXY).`,
      cause: error,
    });
  } finally {
    if (options.http === undefined) await http.close();
  }

  const status = response.status;
  if (status !== 200) throw statusError(status, url, text, secrets);

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SsoError('sso_bad_response', `The Ubiq SSO endpoint ${url} answered 200 with a body that is not JSON (${describeBody(response, text)}).`, {
      hint: `${HINT_CONFIG} A proxy or login page in between answers like this.`,
      status,
    });
  }
  const parsed = ssoAnswerSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
    throw new SsoError('sso_bad_response', `The Ubiq SSO endpoint ${url} answered 200 without the expected fields (missing or invalid: ${fields}).`, {
      hint: `${HINT_CONFIG} The answer must be {"api_cert", "public_value", "signing_value"}.`,
      status,
    });
  }
  const answer = parsed.data;

  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificatePem(answer.api_cert);
  } catch (error) {
    throw new SsoError('sso_certificate_invalid', `The certificate (api_cert) from ${url} is not a PEM X.509 certificate.`, {
      hint: 'The Ubiq server issued an unusable certificate; report it to Ubiq support.',
      status,
      cause: error instanceof Error ? new Error(error.message) : undefined,
    });
  }
  if (options.expectedPublicKey !== undefined && !publicKeysEqual(certificate.publicKey, options.expectedPublicKey)) {
    throw new SsoError('sso_certificate_key_mismatch', `The certificate from ${url} is not for the key pair of our CSR.`, {
      hint: 'The server (or something in between) returned a certificate for another key; it cannot be used. Report it to Ubiq support.',
      status,
    });
  }
  const { notBefore, notAfter } = certificate;
  const t = now();
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()) || notBefore.getTime() > t + skew || notAfter.getTime() <= t) {
    throw new SsoError(
      'sso_certificate_not_valid_now',
      `The certificate from ${url} is not valid now (${new Date(t).toISOString()}): valid from ${iso(notBefore)} to ${iso(notAfter)}.`,
      { hint: "Check this machine's clock (NTP) and the certificate lifetime configured on the server.", status },
    );
  }
  return {
    certificate: answer.api_cert,
    payloadCert: Buffer.from(answer.api_cert, 'utf8').toString('base64'),
    publicValue: answer.public_value,
    signingValue: answer.signing_value,
    notBefore,
    notAfter,
  };
}

function iso(date: Date): string {
  return Number.isNaN(date.getTime()) ? '(invalid date)' : date.toISOString();
}

/** `{server}/{customerId}/api/v3/scim/sso`, with the server's trailing slashes removed. */
export function ssoUrl(server: string, customerId: string): string {
  return `${server.replace(/\/+$/, '')}/${encodeURIComponent(customerId)}/api/v3/scim/sso`;
}

function statusError(status: number, url: string, text: string, secrets: string[]): SsoError {
  const said = serverMessage(text, secrets);
  const suffix = said ? `: ${said}` : '';
  if (status >= 200 && status < 300) {
    return new SsoError('sso_unexpected_status', `The Ubiq SSO endpoint ${url} answered ${status} instead of 200${suffix}.`, {
      hint: `${HINT_CONFIG} A server that answers ${status} here does not speak the Ubiq SSO protocol.`,
      status,
    });
  }
  if (status === 401) return new SsoError('sso_unauthorized', `The Ubiq SSO endpoint ${url} rejected the IdP token (401)${suffix}.`, { hint: HINT_401, status });
  if (status === 403) return new SsoError('sso_forbidden', `The Ubiq SSO endpoint ${url} refused credentials for this user (403)${suffix}.`, { hint: HINT_403, status });
  if (status === 404) return new SsoError('sso_not_found', `The Ubiq SSO endpoint ${url} does not exist (404)${suffix}.`, { hint: HINT_CONFIG, status });
  if (status === 429) {
    return new SsoError('sso_rate_limited', `The Ubiq SSO endpoint ${url} is rate limiting (429) and retries ran out${suffix}.`, {
      hint: 'Too many sign-ins: share one provider per process (it refreshes ahead of expiry) instead of creating one per request.',
      status,
    });
  }
  if (status >= 500) {
    return new SsoError('sso_server_error', `The Ubiq SSO endpoint ${url} failed with ${status} and retries ran out${suffix}.`, {
      hint: 'A server-side problem: retry later; still-valid credentials keep being served meanwhile.',
      status,
    });
  }
  return new SsoError('sso_rejected', `The Ubiq SSO endpoint ${url} rejected the request with ${status}${suffix}.`, { hint: HINT_CONFIG, status });
}

/** A short, secret-free quote of the server's own explanation, when the body is JSON with one. */
function serverMessage(text: string, secrets: string[]): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const key of ['message', 'error_description', 'detail', 'error']) {
    const value = record[key];
    if (typeof value === 'string' && value.length > 0) {
      const clean = withoutFinalPeriod(scrub(value, secrets).replace(/[\r\n\t]+/g, ' '));
      if (clean.length === 0) continue;
      return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
    }
  }
  return undefined;
}

/**
 * The server's sentence is quoted inside ours, which ends with its own period: drop the server's final
 * period(s) so the message does not end in "..". A final "?" or "!" stays.
 */
function withoutFinalPeriod(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '.' || text[end - 1] === ' ')) end -= 1;
  return text.slice(0, end).trimStart();
}

function describeBody(response: Response, text: string): string {
  const type = response.headers.get('content-type') ?? 'no content type';
  return `${type}, ${text.length} characters`;
}
