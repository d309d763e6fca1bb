import { describe, expect, it } from 'vitest';
import { readPayloadCert } from '../../src/server/keys/payload-cert.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('readPayloadCert', () => {
  it('reads base64 of the PEM from the JSON body first, then from the query', () => {
    const url = new URL(`http://x/api/v0/encryption/key?payload_cert=${b64('ignored')}`);
    expect(readPayloadCert({ payload_cert: b64(PEM) }, url)).toEqual({ ok: true, pem: PEM, source: 'body' });
    expect(readPayloadCert({}, new URL(`http://x/k?payload_cert=${b64(PEM)}`))).toEqual({ ok: true, pem: PEM, source: 'query' });
  });

  it("turns a space back into the '+' it was before form decoding", () => {
    // "ab>" encodes to "YWI+": a PEM preceded by text with '>' yields a '+' in the base64.
    const text = `ab>\n${PEM}`;
    const value = b64(text);
    expect(value).toContain('+');
    const read = readPayloadCert(undefined, new URL(`http://x/k?a=1&payload_cert=${value}`));
    expect(read).toEqual({ ok: true, pem: text, source: 'query' });
  });

  it('says missing or malformed', () => {
    const url = new URL('http://x/k');
    expect(readPayloadCert({}, url)).toEqual({ ok: false, reason: 'missing' });
    expect(readPayloadCert({ payload_cert: '' }, url)).toEqual({ ok: false, reason: 'missing' });
    expect(readPayloadCert({ payload_cert: 42 }, url)).toEqual({ ok: false, reason: 'malformed' });
    expect(readPayloadCert({ payload_cert: '%%%' }, url)).toEqual({ ok: false, reason: 'malformed' });
    expect(readPayloadCert({ payload_cert: b64('no certificate here') }, url)).toEqual({ ok: false, reason: 'malformed' });
    expect(readPayloadCert({ payload_cert: 'A'.repeat(40_000) }, url)).toEqual({ ok: false, reason: 'malformed' });
  });
});
