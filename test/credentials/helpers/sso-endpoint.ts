// The SSO endpoint the provider's tests sign in at: the real reference server (`createReferenceServer`,
// issue 6) with its IdP settings pointing at an emulator and its users provisioned over SCIM, reached
// through a thin node:http front on 127.0.0.1:0 that forwards every request to `server.fetch`.
//
// The front records what the tests count (SSO requests, bearer tokens, CSR keys, issued values) and can
// inject the faults a correct Ubiq server never produces but a client must survive: a proxy or broken
// server answering 500/503/201/non-JSON/half a body (`canned`), a slow network (`latencyMs`), and a
// certificate for a key other than ours (`wrongKeyNext`: the front swaps the CSR in flight for one of
// another key, so the real server's CA issues that certificate). Everything else is the real server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
// Source paths, not `ubiq-idp/server`: bench/credentials.ts bundles this file with packages external, and
// the package name would resolve to dist/ there.
import { createCsr } from '../../../src/credentials/csr.js';
import { generateRsaKeyPair, type RsaKeyPair } from '../../../src/crypto/keypair.js';
import { createReferenceServer, type ReferenceServer, type ReferenceServerOptions } from '../../../src/server/index.js';
import { createCertificateAuthority, verifyCsrPem } from '../../../src/x509/index.js';

export interface CannedAnswer {
  status: number;
  body: string;
  contentType?: string;
}

/** Where the IdP provisioning (Okta/Entra SCIM client) reaches the server. */
export interface ScimTarget {
  scimBaseUrl: string;
  token: string;
}

export interface TestSsoEndpointOptions {
  customerId: string;
  /** The IdP settings of the "Ubiq IDP Settings window": the emulator's discovery URL, issuer and audience. */
  idp: { discoveryUrl: string; issuer: string; audience: string };
  /** Provisions the IdP's users over SCIM (e.g. with `createOktaProvisioningAgent`), through the front. */
  provision(scim: ScimTarget): Promise<void>;
  /** Certificate lifetime. Default 3600 s (the server's default). */
  lifetimeSeconds?: number;
  /** Clock of the server (share it with the provider and the emulator). */
  now?: () => number;
}

export interface TestSsoEndpoint {
  /** The front's origin: the provider's `SERVER`. */
  url: string;
  ssoUrl: string;
  server: ReferenceServer;
  scim: ScimTarget;
  /** SSO requests received (including faulted ones). */
  requests: number;
  /** Bearer tokens received (not those answered from `canned`), in order. */
  tokens: string[];
  /** CSRs' public keys (SPKI base64), in order. */
  keys: string[];
  /** Values and certificates of the server's 200 answers, in order. */
  issued: Array<{ publicValue: string; signingValue: string; certificate: string }>;
  /** Fault: answer the next SSO requests with these, in order, without asking the server. */
  canned: CannedAnswer[];
  /** Fault: for the next N SSO requests, send the server a CSR of another key than the client's. */
  wrongKeyNext: number;
  /** Fault: delay every SSO answer by this many real milliseconds. */
  latencyMs: number;
  /** Clears the records and faults and ends latency waits in progress. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * One CA per test file (module instance), handed to every server as `caCertificate`/`caKey`: a CA key
 * generation per server would dominate the run time.
 */
let sharedCa: Promise<{ caCertificate: string; caKey: string }> | undefined;
function testCa(): Promise<{ caCertificate: string; caKey: string }> {
  sharedCa ??= createCertificateAuthority({ modulusLength: 2048 }).then((ca) => ({
    caCertificate: ca.certificatePem,
    caKey: String(ca.privateKey.export({ type: 'pkcs8', format: 'pem' })),
  }));
  return sharedCa;
}

export async function startTestSsoEndpoint(options: TestSsoEndpointOptions): Promise<TestSsoEndpoint> {
  const waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const endWaits = () => {
    for (const wait of waits) {
      clearTimeout(wait.timer);
      wait.resolve();
    }
    waits.clear();
  };
  let stranger: Promise<RsaKeyPair> | undefined;
  let server: ReferenceServer | undefined;

  const state = {
    requests: 0,
    tokens: [] as string[],
    keys: [] as string[],
    issued: [] as TestSsoEndpoint['issued'],
    canned: [] as CannedAnswer[],
    wrongKeyNext: 0,
    latencyMs: 0,
  };

  async function sso(request: Request, target: ReferenceServer): Promise<Response> {
    state.requests += 1;
    if (state.latencyMs > 0) {
      await new Promise<void>((resolve) => {
        const wait = { timer: setTimeout(() => (waits.delete(wait), resolve()), state.latencyMs), resolve };
        waits.add(wait);
      });
    }
    const canned = state.canned.shift();
    if (canned) {
      await request.body?.cancel();
      return new Response(canned.body, { status: canned.status, headers: { 'content-type': canned.contentType ?? 'application/json' } });
    }
    const auth = request.headers.get('authorization') ?? '';
    if (auth.startsWith('Bearer ') && auth.length > 7) state.tokens.push(auth.slice(7));
    let text = await request.text();
    const csr = csrOf(text);
    if (csr !== undefined) {
      const verified = await verifyCsrPem(csr).catch(() => undefined);
      if (verified) state.keys.push(verified.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
      if (verified && state.wrongKeyNext > 0) {
        state.wrongKeyNext -= 1;
        stranger ??= generateRsaKeyPair({ modulusLength: 2048 });
        text = JSON.stringify({ csr: await createCsr(await stranger) });
      }
    }
    const headers = new Headers(request.headers);
    headers.delete('content-length');
    const answer = await target.fetch(new Request(request.url, { method: 'POST', headers, body: text }));
    if (answer.status === 200) {
      const body = (await answer.clone().json()) as { api_cert: string; public_value: string; signing_value: string };
      state.issued.push({ publicValue: body.public_value, signingValue: body.signing_value, certificate: body.api_cert });
    }
    return answer;
  }

  const handler = async (request: Request): Promise<Response> => {
    if (server === undefined) return new Response('starting', { status: 503 });
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && pathname === `/${options.customerId}/api/v3/scim/sso`) return sso(request, server);
    return server.fetch(request);
  };
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- @hono/node-server's listener settles its own Promise; node:http need not await it
  const http: Server = createServer(getRequestListener(handler));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const now = options.now;
  const serverOptions: ReferenceServerOptions = {
    ...(await testCa()),
    origin: url,
    customerId: options.customerId,
    idp: options.idp,
    ...(options.lifetimeSeconds === undefined ? {} : { certificateLifetimeSeconds: options.lifetimeSeconds }),
    ...(now === undefined ? {} : { now }),
  };
  server = createReferenceServer(serverOptions);
  const info = server.info();
  const scim: ScimTarget = { scimBaseUrl: info.scimBaseUrl, token: info.scimToken };
  const close = async () => {
    endWaits();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await server?.close();
  };
  try {
    await options.provision(scim);
  } catch (error) {
    await close();
    throw error;
  }

  return Object.assign(state, {
    url,
    ssoUrl: `${url}/${options.customerId}/api/v3/scim/sso`,
    server,
    scim,
    reset() {
      endWaits();
      Object.assign(state, { requests: 0, tokens: [], keys: [], issued: [], canned: [], wrongKeyNext: 0, latencyMs: 0 });
    },
    close,
  });
}

function csrOf(text: string): string | undefined {
  try {
    const csr = (JSON.parse(text) as { csr?: unknown }).csr;
    return typeof csr === 'string' ? csr : undefined;
  } catch {
    return undefined;
  }
}
