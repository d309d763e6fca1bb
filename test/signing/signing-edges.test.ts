// Edges of the Ubiq request signature that the main suites do not pin down: the message of every refusal
// (what a server logs and a person reads), the errors and hints of the signer, header shapes (arrays,
// undefined values, extra spaces), clocks given as Date or number, and the Digest header's alternatives.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSigningError, signUbiqRequest, type UbiqSignatureVerification } from '../../src/signing/index.js';
import { ubiqHmac, ubiqSigningString } from '../../src/signing/sign-request.js';
import { parseSignatureHeader, verifyUbiqRequest } from '../../src/signing/verify-request.js';

const credentials = { accessKeyId: 'J9Fn4kDe0WfS+u/QPvXnAv7r', secretSigningKey: 'edge-signing-secret-5TqW' };
const lookupSigningKey = (id: string) => (id === credentials.accessKeyId ? credentials.secretSigningKey : undefined);
const now = Date.UTC(2026, 11, 7, 3, 0, 0);
const url = 'https://api.ubiqsecurity.com/api/v0/encryption/key?dataset=payroll';
const body = '{"uses":1}';
const signed = (overrides: Partial<Parameters<typeof signUbiqRequest>[0]> = {}) => signUbiqRequest({ method: 'POST', url, body, credentials, now, ...overrides });

type Headers_ = Record<string, string | string[] | undefined>;
function verify(headers: Headers_, overrides: Partial<Parameters<typeof verifyUbiqRequest>[0]> = {}): UbiqSignatureVerification {
  return verifyUbiqRequest({ method: 'POST', url, headers: { host: 'api.ubiqsecurity.com', ...headers }, body, lookupSigningKey, now, ...overrides });
}
/** Headers signed by hand over the given values (what a client other than ours might send). */
function signedOver(values: { contentType: string; digest: string }): Record<string, string> {
  const created = Math.floor(now / 1000);
  const date = new Date(created * 1000).toUTCString();
  const names = ['content-type', 'date', 'host', '(created)', '(request-target)', 'digest'];
  const signature = ubiqHmac(
    credentials.secretSigningKey,
    ubiqSigningString(names, {
      'content-type': values.contentType,
      date,
      host: 'api.ubiqsecurity.com',
      '(created)': String(created),
      '(request-target)': 'post /api/v0/encryption/key?dataset=payroll',
      digest: values.digest,
    }),
  );
  return { Date: date, Digest: values.digest, Signature: `keyId="${credentials.accessKeyId}", algorithm="hmac-sha512", created=${created}, headers="${names.join(' ')}", signature="${signature}"` };
}
const sha512 = `SHA-512=${createHash('sha512').update(body).digest('base64')}`;
const editSignature = (headers: Record<string, string>, edit: (value: string) => string) => ({ ...headers, Signature: edit(headers.Signature ?? '') });

describe('verifyUbiqRequest: every refusal has its code and a message that says what is wrong', () => {
  const good = signed();
  // Thunks, run inside each test: a verification run while the file is collected is attributed to no test
  // (mutation testing's per-test coverage then runs other tests against its mutants, which check less).
  const cases: Array<[string, () => UbiqSignatureVerification]> = [
    ['no header', () => verify({ ...good, Signature: '  ' })],
    ['unparsable', () => verify(editSignature(good, () => 'keyId="a" "b"'))],
    ['no keyId', () => verify(editSignature(good, (v) => v.replace(/keyId="[^"]*", /, '')))],
    ['other algorithm', () => verify(editSignature(good, (v) => v.replace('hmac-sha512', 'hmac-sha256')))],
    ['created not a time', () => verify(editSignature(good, (v) => v.replace(/created=\d+/, 'created=12a')))],
    ['does not cover the digest', () => verify(editSignature(good, (v) => v.replace(' digest"', '"')))],
    ['signature not base64', () => verify(editSignature(good, (v) => v.replace(/signature="[^"]*"/, 'signature="***"')))],
    ['from the future', () => verify(good, { now: now - 3_600_000 })],
    ['too old', () => verify(good, { now: now + 3_600_000 })],
    ['unknown key', () => verify(good, { lookupSigningKey: () => undefined })],
    ['disabled key (empty secret)', () => verify(good, { lookupSigningKey: () => '' })],
    ['no SHA-512 digest', () => verify({ ...good, Digest: 'SHA-256=abc' })],
    ['digest of another body', () => verify(good, { body: '{"uses":2}' })],
    ['unparsable URL', () => verify(good, { url: 'not a url' })],
    ['signed header absent', () => verify({ ...good, 'Content-Type': undefined })],
    ['wrong secret', () => verify(good, { lookupSigningKey: () => 'another-secret' })],
  ];
  const expected: Record<string, [string, RegExp]> = {
    'no header': ['missing_signature', /^The request has no Signature header\.$/],
    unparsable: ['malformed_signature', /^The Signature header cannot be parsed\.$/],
    'no keyId': ['malformed_signature', /^The Signature header needs keyId, created, headers and signature\.$/],
    'other algorithm': ['malformed_signature', /^Unsupported signature algorithm; only hmac-sha512 is accepted\.$/],
    'created not a time': ['malformed_signature', /^The created parameter is not a unix time\.$/],
    'does not cover the digest': ['malformed_signature', /^The signature does not cover digest\.$/],
    'signature not base64': ['malformed_signature', /^The signature parameter is not base64\.$/],
    'from the future': ['stale_created', /^The signature was created in the future \(more than 300 s from the server's clock\)\.$/],
    'too old': ['stale_created', /^The signature was created too long ago \(more than 300 s from the server's clock\)\.$/],
    'unknown key': ['unknown_key', /^The access key id of the signature is unknown or disabled\.$/],
    'disabled key (empty secret)': ['unknown_key', /unknown or disabled/],
    'no SHA-512 digest': ['digest_mismatch', /^The request has no SHA-512 Digest header\.$/],
    'digest of another body': ['digest_mismatch', /^The Digest header does not match the body\.$/],
    'unparsable URL': ['malformed_signature', /^The request URL cannot be parsed\.$/],
    'signed header absent': ['malformed_signature', /^The signed header content-type is missing from the request\.$/],
    'wrong secret': ['bad_signature', /^The request signature does not match\.$/],
  };
  it.each(cases)('%s', (name, run) => {
    const result = run();
    const [code, message] = expected[name]!;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.message).toMatch(message);
  });

  it('an unknown pseudo-header in the covered list is named', () => {
    const result = verify(editSignature(good, (v) => v.replace('headers="', 'headers="(expires) ')));
    expect(result).toEqual({ ok: false, code: 'malformed_signature', message: 'Unknown signature component (expires).' });
  });

  it('names every component the signature fails to cover', () => {
    const result = verify(editSignature(good, (v) => v.replace(/headers="[^"]*"/, 'headers="content-type date"')));
    expect(result.ok === false && result.message).toBe('The signature does not cover (request-target), (created), host, digest.');
  });
});

describe('verifyUbiqRequest: edges that mutation testing found unpinned', () => {
  it('without a Host header the URL\'s host is the signed host', () => {
    const good = signed();
    expect(verify({ ...good, host: undefined })).toMatchObject({ ok: true });
    expect(verify({ ...good, host: undefined }, { url: 'https://ubiq.internal/api/v0/encryption/key?dataset=payroll' })).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('created and signature must be wholly digits and wholly base64, not merely end or start so', () => {
    const good = signed();
    for (const edit of [(v: string) => v.replace(/created=(\d+)/, 'created=a$1'), (v: string) => v.replace(/signature="([^"]*)"/, 'signature="*$1"'), (v: string) => v.replace(/signature="([^"]*)"/, 'signature="$1*"')]) {
      expect(verify(editSignature(good, edit))).toMatchObject({ ok: false, code: 'malformed_signature' });
    }
  });

  it('a created exactly maxSkewSeconds away is still accepted, one second more is not', () => {
    const good = signed();
    expect(verify(good, { now: () => now + 300_000 }).ok).toBe(true);
    expect(verify(good, { now: () => now - 300_000 }).ok).toBe(true);
    expect(verify(good, { now: () => now + 301_000 }).ok).toBe(false);
  });

  it('a signature of another length is refused as not matching, not thrown on', () => {
    const good = signed();
    const short = editSignature(good, (v) => v.replace(/signature="[^"]*"/, 'signature="AAAA"'));
    expect(verify(short)).toEqual({ ok: false, code: 'bad_signature', message: 'The request signature does not match.' });
  });
});

describe('verifyUbiqRequest: what it accepts', () => {
  it('an upper-case algorithm name, extra spaces in the covered list and around parameters', () => {
    const good = signed();
    expect(verify(editSignature(good, (v) => v.replace('hmac-sha512', 'HMAC-SHA512'))).ok).toBe(true);
    expect(verify(editSignature(good, (v) => v.replace('headers="', 'headers="  ').replace(' date ', '  date  '))).ok).toBe(true);
    expect(verify(editSignature(good, (v) => v.replaceAll(', ', ' ,  '))).ok).toBe(true);
  });

  it('a missing algorithm parameter (the Python client omits nothing, older ones did)', () => {
    expect(verify(editSignature(signed(), (v) => v.replace(/algorithm="[^"]*", /, ''))).ok).toBe(true);
  });

  it('header records: names in any case, array values joined with ", ", undefined values skipped', () => {
    const good = signed();
    const { Digest: digest, ...rest } = good;
    // An undefined entry under the same name before the real one must be skipped, not taken as absent.
    expect(verify({ digest: undefined, ...rest, DIGEST: digest })).toMatchObject({ ok: true });
    // A header sent twice arrives as an array; the signed value is the list joined by ", ".
    const twice = signedOver({ contentType: 'application/json, charset=utf-8', digest: sha512 });
    expect(verify({ ...twice, 'content-type': ['application/json', 'charset=utf-8'] })).toMatchObject({ ok: true });
    expect(verify({ ...twice, 'content-type': ['application/json', 'charset=utf-8', 'x'] })).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('a Digest header that lists several digests, SHA-512 in any case', () => {
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}, sha-512=${sha512.slice(8)}`;
    const headers = signedOver({ contentType: 'application/json', digest });
    expect(verify({ ...headers, 'Content-Type': 'application/json' })).toMatchObject({ ok: true });
  });

  it('now as a Date or as milliseconds gives the same verdict; maxSkewSeconds widens the window', () => {
    const good = signed();
    expect(verify(good, { now: new Date(now + 200_000) }).ok).toBe(true);
    expect(verify(good, { now: new Date(now + 400_000) }).ok).toBe(false);
    expect(verify(good, { now: now + 400_000, maxSkewSeconds: 500 }).ok).toBe(true);
  });

  it('now as a Clock (the package-wide convention) gives the verdict of the deprecated Date and number forms', () => {
    const good = signed();
    expect(verify(good, { now: () => now + 200_000 }).ok).toBe(true);
    expect(verify(good, { now: () => now + 400_000 })).toMatchObject({ ok: false, code: 'stale_created' });
    expect(verify(good, { now: () => now - 400_000 })).toMatchObject({ ok: false, code: 'stale_created' });
    // The clock is read at verification time, not captured when the options are built.
    let clock = now;
    const options = { now: () => clock };
    expect(verify(good, options).ok).toBe(true);
    clock = now + 400_000;
    expect(verify(good, options).ok).toBe(false);
  });

  it('host: the Host header wins over the URL', () => {
    const behindProxy = signed({ host: 'ubiq.internal:8443' });
    expect(verify({ ...behindProxy, host: 'ubiq.internal:8443' }).ok).toBe(true);
    expect(verify({ ...behindProxy, host: 'api.ubiqsecurity.com' }).ok).toBe(false);
  });
});

describe('parseSignatureHeader', () => {
  it('quoted and unquoted values, names lower-cased, surrounding spaces', () => {
    expect(parseSignatureHeader(' keyId="a b" , created=12 ,Signature="x=="')).toEqual(
      new Map([
        ['keyid', 'a b'],
        ['created', '12'],
        ['signature', 'x=='],
      ]),
    );
  });
  it('refuses duplicates, empty input, junk between parameters and a name with no value', () => {
    expect(parseSignatureHeader('a="1", A="2"')).toBeUndefined();
    expect(parseSignatureHeader('')).toBeUndefined();
    expect(parseSignatureHeader('a="1" junk')).toBeUndefined();
    expect(parseSignatureHeader('a="1",, b="2"')).toBeUndefined();
    expect(parseSignatureHeader('a = "1"')).toEqual(new Map([['a', '1']]));
    expect(parseSignatureHeader('a="1" x b="2"')).toBeUndefined();
  });
});

describe('signUbiqRequest', () => {
  it('the created time from a Date or from milliseconds is the same', () => {
    const fromNumber = signed({ now });
    const fromDate = signed({ now: new Date(now) });
    expect(fromDate).toEqual(fromNumber);
    expect(fromDate.Signature).toContain(`created=${Math.floor(now / 1000)},`);
    expect(fromDate.Date).toBe(new Date(now).toUTCString());
  });

  it('a Clock signs at the time it returns when called, like the Date and number forms', () => {
    let calls = 0;
    const fromClock = signed({
      now: () => {
        calls += 1;
        return now;
      },
    });
    expect(fromClock).toEqual(signed({ now }));
    expect(calls).toBe(1);
    expect(signed({ now: () => now + 1_000 }).Signature).toContain(`created=${Math.floor(now / 1000) + 1},`);
  });

  it.each([
    ['a relative URL', { url: '/api/v0/encryption/key' }, 'signing_invalid_url', /not an absolute URL/, /full URL/],
    ['no access key id', { credentials: { accessKeyId: '', secretSigningKey: 'x' } }, 'signing_credentials_missing', /without an access key id and a secret signing key/, /provider/],
    ['no signing key', { credentials: { accessKeyId: 'a', secretSigningKey: '' } }, 'signing_credentials_missing', /without an access key id/, /fromIdp/],
    ['a quote in the key id', { credentials: { accessKeyId: 'a"b', secretSigningKey: 'x' } }, 'signing_credentials_invalid', /quote, backslash or line break/, /ACCESS_KEY_ID/],
  ] as const)('%s: typed error with an actionable message and hint', (_name, overrides, code, message, hint) => {
    let thrown: unknown;
    try {
      signed(overrides);
    } catch (error) {
      thrown = error;
    }
    expect(isSigningError(thrown)).toBe(true);
    if (!isSigningError(thrown)) return;
    expect(thrown.code).toBe(code);
    expect(thrown.message).toMatch(message);
    expect(thrown.hint).toMatch(hint);
    expect(thrown.message + String(thrown.hint)).not.toContain('x"');
  });
});
