import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { signUbiqRequest, verifyUbiqRequest, type UbiqSignatureVerification } from '../../src/signing/index.js';

const credentials = { accessKeyId: 'J9Fn4kDe0WfS+u/QPvXnAv7r', secretSigningKey: 'canary-signing-secret-7QzR2pLk9vW3xY' };
const keys = new Map([[credentials.accessKeyId, credentials.secretSigningKey]]);
const lookupSigningKey = (id: string) => keys.get(id);
const now = Date.UTC(2026, 10, 25, 11, 36, 26);
const url = 'https://api.ubiqsecurity.com/api/v0/encryption/key';
const body = '{"uses":1,"payload_cert":"LS0t+a/b=="}';

function signed(overrides: Partial<Parameters<typeof signUbiqRequest>[0]> = {}) {
  return signUbiqRequest({ method: 'POST', url, body, credentials, now, ...overrides });
}

function verify(
  headers: Record<string, string>,
  overrides: Partial<Parameters<typeof verifyUbiqRequest>[0]> = {},
): UbiqSignatureVerification {
  return verifyUbiqRequest({
    method: 'POST',
    url,
    headers: { host: 'api.ubiqsecurity.com', ...headers },
    body,
    lookupSigningKey,
    now,
    ...overrides,
  });
}

function withSignatureParam(headers: Record<string, string>, edit: (value: string) => string): Record<string, string> {
  return { ...headers, Signature: edit(headers.Signature ?? '') };
}

describe('verifyUbiqRequest', () => {
  it('accepts what signUbiqRequest produced (record headers, Headers object, origin-form URL)', () => {
    const headers = signed();
    expect(verify(headers)).toEqual({ ok: true, accessKeyId: credentials.accessKeyId, created: Math.floor(now / 1000) });
    const webHeaders = new Headers({ ...headers, Host: 'api.ubiqsecurity.com' });
    expect(verify({}, { headers: webHeaders }).ok).toBe(true);
    expect(verify(headers, { url: '/api/v0/encryption/key', method: 'post' }).ok).toBe(true);
    expect(verify(headers, { body: new TextEncoder().encode(body) }).ok).toBe(true);
  });

  it("accepts the Python client's component list (its order, plus content-length)", () => {
    const created = String(Math.floor(now / 1000));
    const date = new Date(now).toUTCString();
    const digest = `SHA-512=${createHash('sha512').update(body).digest('base64')}`;
    const signedValues: [string, string][] = [
      ['(created)', created],
      ['(request-target)', 'post /api/v0/encryption/key'],
      ['content-length', String(Buffer.byteLength(body))],
      ['content-type', 'application/json'],
      ['date', date],
      ['digest', digest],
      ['host', 'api.ubiqsecurity.com'],
    ];
    const signature = createHmac('sha512', credentials.secretSigningKey)
      .update(signedValues.map(([name, value]) => `${name}: ${value}\n`).join(''))
      .digest('base64');
    const headers = {
      'Content-Length': String(Buffer.byteLength(body)),
      'Content-type': 'application/json',
      Date: date,
      Digest: digest,
      Signature: `keyId="${credentials.accessKeyId}", algorithm="hmac-sha512", created=${created}, headers="${signedValues.map(([n]) => n).join(' ')}", signature="${signature}"`,
    };
    expect(verify(headers).ok).toBe(true);
    expect(verify({ ...headers, 'Content-Length': '999' }).ok).toBe(false);
  });

  it('missing_signature', () => {
    const { Signature: _dropped, ...rest } = signed();
    expect(verify(rest)).toMatchObject({ ok: false, code: 'missing_signature' });
    expect(verify({ ...rest, Signature: '  ' })).toMatchObject({ ok: false, code: 'missing_signature' });
  });

  it.each([
    ['garbage', () => 'not a signature'],
    ['no keyId', (v: string) => v.replace(/keyId="[^"]*", /, '')],
    ['no signature', (v: string) => v.replace(/, signature="[^"]*"/, '')],
    ['no created', (v: string) => v.replace(/created=\d+, /, '')],
    ['non-numeric created', (v: string) => v.replace(/created=\d+/, 'created=soon')],
    ['duplicate parameter', (v: string) => `${v}, keyId="other"`],
    ['another algorithm', (v: string) => v.replace('hmac-sha512', 'hmac-sha256')],
    ['digest not covered', (v: string) => v.replace(' digest"', '"')],
    ['host not covered', (v: string) => v.replace(' host ', ' ')],
    ['request target not covered', (v: string) => v.replace(' (request-target)', '')],
    ['unknown pseudo-header', (v: string) => v.replace('(created)', '(created) (expires)')],
    ['signature not base64', (v: string) => v.replace(/signature="[^"]*"/, 'signature="!!"')],
  ])('malformed_signature: %s', (_name, edit) => {
    const result = verify(withSignatureParam(signed(), edit));
    expect(result).toMatchObject({ ok: false, code: 'malformed_signature' });
  });

  it('malformed_signature: a signed header that is absent', () => {
    const { Date: _dropped, ...rest } = signed();
    expect(verify(rest)).toMatchObject({ ok: false, code: 'malformed_signature' });
  });

  it('unknown_key', () => {
    const headers = signUbiqRequest({ method: 'POST', url, body, credentials: { ...credentials, accessKeyId: 'someone-else' }, now });
    expect(verify(headers)).toMatchObject({ ok: false, code: 'unknown_key' });
  });

  it('stale_created, both ways, with a configurable skew', () => {
    const headers = signed();
    expect(verify(headers, { now: now + 301_000 })).toMatchObject({ ok: false, code: 'stale_created' });
    expect(verify(headers, { now: now - 301_000 })).toMatchObject({ ok: false, code: 'stale_created' });
    expect(verify(headers, { now: now + 299_000 }).ok).toBe(true);
    expect(verify(headers, { now: now + 31_000, maxSkewSeconds: 30 })).toMatchObject({ ok: false, code: 'stale_created' });
  });

  it('digest_mismatch: another body, or no Digest header', () => {
    const headers = signed();
    expect(verify(headers, { body: body.replace('1', '2') })).toMatchObject({ ok: false, code: 'digest_mismatch' });
    expect(verify(headers, { body: undefined })).toMatchObject({ ok: false, code: 'digest_mismatch' });
    const { Digest: _dropped, ...rest } = headers;
    expect(verify(rest)).toMatchObject({ ok: false, code: 'digest_mismatch' });
  });

  it('bad_signature: wrong secret, or any signed component changed', () => {
    const headers = signed();
    expect(verify(headers, { lookupSigningKey: () => 'another-secret' })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verify(headers, { url: `${url}?x=1` })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verify(headers, { method: 'PUT' })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verify({ ...headers, host: 'evil.example' })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verify({ ...headers, Date: new Date(now + 1000).toUTCString() })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(verify(withSignatureParam(headers, (v) => v.replace(/created=(\d+)/, (_m, c: string) => `created=${Number(c) + 1}`)))).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
    expect(verify(withSignatureParam(headers, (v) => v.replace(/signature="./, 'signature="A')))).toMatchObject({ ok: false });
  });

  it('never puts the secret in a failure message', () => {
    const headers = signed();
    const results = [
      verify(headers, { lookupSigningKey: () => 'another-secret' }),
      verify(headers, { body: '{}' }),
      verify(withSignatureParam(headers, () => 'x')),
    ];
    for (const result of results) expect(JSON.stringify(result)).not.toContain(credentials.secretSigningKey);
  });

  it('round-trips any method, path, query and body, and refuses any changed body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'PUT', 'delete'),
        fc.webPath(),
        fc.string(),
        fc.string({ minLength: 1 }),
        (method, path, query, text) => {
          const target = new URL(`https://api.ubiqsecurity.com${path.startsWith('/') ? path : `/${path}`}`);
          if (query) target.searchParams.set('q', query);
          const headers = signUbiqRequest({ method, url: target, body: text, credentials, now });
          const base = { method, url: target.href, headers: { ...headers, host: target.host }, lookupSigningKey, now };
          expect(verifyUbiqRequest({ ...base, body: text }).ok).toBe(true);
          expect(verifyUbiqRequest({ ...base, body: `${text} ` }).ok).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('sign and verify over a real socket', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('a fetch signed with signUbiqRequest verifies from req.url and req.headers, with payload_cert unescaped in the query', async () => {
    const results: UbiqSignatureVerification[] = [];
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        results.push(
          verifyUbiqRequest({
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks),
            lookupSigningKey,
          }),
        );
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;

    const postUrl = `${origin}/api/v0/encryption/key`;
    const postBody = JSON.stringify({ uses: 1, payload_cert: 'LS0t+a/b==' });
    await fetch(postUrl, { method: 'POST', body: postBody, headers: signUbiqRequest({ method: 'POST', url: postUrl, body: postBody, credentials }) });

    const getUrl = `${origin}/api/v0/fpe/def_keys?ffs_name=SSN&payload_cert=LS0t+a/b==`;
    await fetch(getUrl, { headers: signUbiqRequest({ method: 'GET', url: getUrl, credentials }) });

    const tampered = signUbiqRequest({ method: 'POST', url: postUrl, body: postBody, credentials });
    await fetch(postUrl, { method: 'POST', body: `${postBody} `, headers: tampered });

    expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ok', 'digest_mismatch']);
  });
});
