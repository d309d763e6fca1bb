// A minimal Ubiq SSO endpoint for the provider's tests (DESIGN §2.5), on node:http at 127.0.0.1:0.
// The full reference server is another issue; when it lands these tests switch to it.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { generateRsaKeyPair } from '../../../src/credentials/keypair.js';
import { createCertificateAuthority, verifyCsrPem, type CertificateAuthority } from '../../../src/x509/index.js';

export interface CannedAnswer {
  status: number;
  body: string;
  contentType?: string;
}

export interface TestSsoEndpointOptions {
  customerId: string;
  /** Verify bearer tokens against this IdP (JWKS from the emulator); without it any non-empty token passes. */
  idp?: { jwksUri: string; issuer: string; audience: string };
  /** Certificate lifetime. Default 3600 s. */
  lifetimeSeconds?: number;
  /** Clock used for certificates (share it with the provider and the emulator). */
  now?: () => number;
  /** Answer every issuance with new public_value/signing_value (default) or keep the first ones per user. */
  rotateValues?: boolean;
  /** A CA to reuse (creating one costs a key generation). */
  ca?: CertificateAuthority;
}

export interface TestSsoEndpoint {
  url: string;
  ssoUrl: string;
  ca: CertificateAuthority;
  /** SSO requests received (including faulted ones). */
  requests: number;
  /** Bearer tokens received, in order. */
  tokens: string[];
  /** CSRs' public keys (SPKI base64), in order. */
  keys: string[];
  /** Issued values, in order. */
  issued: Array<{ publicValue: string; signingValue: string; certificate: string }>;
  /** Answer the next requests with these, in order, instead of issuing. */
  canned: CannedAnswer[];
  /** Issue the next N certificates for a different key than the CSR's. */
  wrongKeyNext: number;
  /** Delay every answer by this many real milliseconds. */
  latencyMs: number;
  lifetimeSeconds: number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export async function startTestSsoEndpoint(options: TestSsoEndpointOptions): Promise<TestSsoEndpoint> {
  const now = options.now ?? Date.now;
  const ca = options.ca ?? (await createCertificateAuthority({ modulusLength: 2048, now: now() - 86_400_000 }));
  const jwks = options.idp ? createRemoteJWKSet(new URL(options.idp.jwksUri)) : undefined;
  const firstValues = new Map<string, { publicValue: string; signingValue: string }>();
  let strangerKey: Awaited<ReturnType<typeof generateRsaKeyPair>> | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const state = {
    requests: 0,
    tokens: [] as string[],
    keys: [] as string[],
    issued: [] as Array<{ publicValue: string; signingValue: string; certificate: string }>,
    canned: [] as CannedAnswer[],
    wrongKeyNext: 0,
    latencyMs: 0,
    lifetimeSeconds: options.lifetimeSeconds ?? 3600,
  };
  const path = `/${options.customerId}/api/v3/scim/sso`;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (request.url !== path) return send(response, 404, JSON.stringify({ message: 'not found' }));
    if (request.method !== 'POST') return send(response, 405, JSON.stringify({ message: 'method not allowed' }));
    state.requests += 1;
    if (state.latencyMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, state.latencyMs);
        timers.add(timer);
      });
    }
    const canned = state.canned.shift();
    if (canned) return send(response, canned.status, canned.body, canned.contentType);
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!token) return send(response, 401, JSON.stringify({ message: 'missing bearer token' }));
    state.tokens.push(token);
    let subject = 'anyone';
    if (jwks && options.idp) {
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: options.idp.issuer, audience: options.idp.audience, currentDate: new Date(now()) });
        subject = String(payload.sub ?? payload.upn ?? 'anyone');
      } catch {
        return send(response, 401, JSON.stringify({ message: 'invalid token' }));
      }
    }
    if (request.headers['content-type'] !== 'application/json') return send(response, 415, JSON.stringify({ message: 'want application/json' }));
    let csr: unknown;
    try {
      csr = (JSON.parse(body) as { csr?: unknown }).csr;
    } catch {
      return send(response, 400, JSON.stringify({ message: 'body is not JSON' }));
    }
    if (typeof csr !== 'string') return send(response, 400, JSON.stringify({ message: 'csr missing' }));
    let publicKey;
    try {
      publicKey = (await verifyCsrPem(csr)).publicKey;
    } catch {
      return send(response, 400, JSON.stringify({ message: 'bad csr' }));
    }
    state.keys.push(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
    if (state.wrongKeyNext > 0) {
      state.wrongKeyNext -= 1;
      strangerKey ??= await generateRsaKeyPair({ modulusLength: 2048 });
      publicKey = strangerKey.publicKey;
    }
    const certificate = await ca.issue({ publicKey, lifetimeSeconds: state.lifetimeSeconds, now: now() });
    let values = options.rotateValues === false ? firstValues.get(subject) : undefined;
    if (values === undefined) {
      values = { publicValue: randomBytes(18).toString('base64'), signingValue: randomBytes(33).toString('base64') };
      firstValues.set(subject, values);
    }
    state.issued.push({ ...values, certificate });
    return send(response, 200, JSON.stringify({ api_cert: certificate, public_value: values.publicValue, signing_value: values.signingValue }));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => send(response, 500, JSON.stringify({ message: 'test endpoint failed' })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return Object.assign(state, {
    url,
    ssoUrl: `${url}${path}`,
    ca,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
