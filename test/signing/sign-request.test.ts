import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUbiqRequest } from '../../src/signing/index.js';

// Test vectors derived from the wire format (ARCHITECTURE.md, Request signing), computed here with node:crypto from the
// documented signing string rather than through the signer's own helpers.
const credentials = { accessKeyId: 'J9Fn4kDe0WfS+u/QPvXnAv7r', secretSigningKey: 'canary-signing-secret-7QzR2pLk9vW3xY' };
const now = Date.UTC(2026, 10, 25, 11, 36, 26, 789); // Wed, 25 Nov 2026 11:36:26.789 GMT
const created = 1795606586;

function b64sha512(text: string): string {
  return createHash('sha512').update(text, 'utf8').digest('base64');
}

function hmac(lines: string): string {
  return createHmac('sha512', Buffer.from(credentials.secretSigningKey, 'utf8')).update(Buffer.from(lines, 'utf8')).digest('base64');
}

describe('signUbiqRequest', () => {
  it('matches the documented signing string for an encryption key request', () => {
    expect(Math.floor(now / 1000)).toBe(created);
    const body = '{"uses":1,"payload_cert":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"}';
    const headers = signUbiqRequest({
      method: 'POST',
      url: 'https://api.ubiqsecurity.com/api/v0/encryption/key',
      body,
      credentials,
      now,
    });
    const digest = `SHA-512=${b64sha512(body)}`;
    const lines =
      'content-type: application/json\n' +
      'date: Wed, 25 Nov 2026 11:36:26 GMT\n' +
      'host: api.ubiqsecurity.com\n' +
      '(created): 1795606586\n' +
      '(request-target): post /api/v0/encryption/key\n' +
      `digest: ${digest}\n`;
    expect(headers).toEqual({
      'Content-Type': 'application/json',
      Date: 'Wed, 25 Nov 2026 11:36:26 GMT',
      Digest: digest,
      Signature:
        `keyId="J9Fn4kDe0WfS+u/QPvXnAv7r", algorithm="hmac-sha512", created=1795606586, ` +
        `headers="content-type date host (created) (request-target) digest", signature="${hmac(lines)}"`,
    });
  });

  it('digests the empty string when there is no body, and signs path and query of a GET as sent', () => {
    const headers = signUbiqRequest({
      method: 'get',
      url: 'http://127.0.0.1:8443/api/v0/fpe/def_keys?ffs_name=SSN&papi=J9Fn%2B&payload_cert=LS0t+a/b==',
      credentials,
      now,
    });
    // SHA-512 of "" — a well-known constant.
    const emptyDigest = 'SHA-512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==';
    expect(headers.Digest).toBe(emptyDigest);
    const lines =
      'content-type: application/json\n' +
      'date: Wed, 25 Nov 2026 11:36:26 GMT\n' +
      'host: 127.0.0.1:8443\n' +
      '(created): 1795606586\n' +
      '(request-target): get /api/v0/fpe/def_keys?ffs_name=SSN&papi=J9Fn%2B&payload_cert=LS0t+a/b==\n' +
      `digest: ${emptyDigest}\n`;
    expect(headers.Signature).toContain(`signature="${hmac(lines)}"`);
    expect(headers).not.toHaveProperty('Host');
  });

  it('leaves the default port out of the host, and signs bytes the same as the equal string', () => {
    const body = '{"name":"caf\u00e9"}';
    const a = signUbiqRequest({ method: 'POST', url: 'https://h.example:443/x', body, credentials, now });
    const b = signUbiqRequest({ method: 'POST', url: 'https://h.example/x', body: new TextEncoder().encode(body), credentials, now });
    expect(a).toEqual(b);
  });

  it('signs an overridden Host and returns it', () => {
    const headers = signUbiqRequest({ method: 'POST', url: 'http://127.0.0.1:9000/x', body: '{}', credentials, now, host: 'api.ubiqsecurity.com' });
    expect(headers.Host).toBe('api.ubiqsecurity.com');
    const lines =
      'content-type: application/json\n' +
      'date: Wed, 25 Nov 2026 11:36:26 GMT\n' +
      'host: api.ubiqsecurity.com\n' +
      '(created): 1795606586\n' +
      '(request-target): post /x\n' +
      `digest: SHA-512=${b64sha512('{}')}\n`;
    expect(headers.Signature).toContain(`signature="${hmac(lines)}"`);
  });

  it('formats Date as an RFC 7231 IMF-fixdate with a zero-padded day', () => {
    const headers = signUbiqRequest({ method: 'GET', url: 'https://h/', credentials, now: new Date('2027-01-03T04:05:06Z') });
    expect(headers.Date).toBe('Sun, 03 Jan 2027 04:05:06 GMT');
    expect(headers.Signature).toContain('created=1798949106,');
  });

  it('refuses relative URLs and missing or unsafe credentials without echoing the secret', () => {
    const attempts = [
      () => signUbiqRequest({ method: 'GET', url: '/api/v0/encryption/key', credentials, now }),
      () => signUbiqRequest({ method: 'GET', url: 'https://h/', credentials: { ...credentials, accessKeyId: '' }, now }),
      () => signUbiqRequest({ method: 'GET', url: 'https://h/', credentials: { ...credentials, accessKeyId: 'a"b' }, now }),
    ];
    const codes = attempts.map((attempt) => {
      try {
        attempt();
        return 'no error';
      } catch (error) {
        expect(JSON.stringify(error) + String(error) + String((error as { hint?: string }).hint)).not.toContain(credentials.secretSigningKey);
        return (error as { code: string }).code;
      }
    });
    expect(codes).toEqual(['signing_invalid_url', 'signing_credentials_missing', 'signing_credentials_invalid']);
  });
});
