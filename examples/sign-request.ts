// Sign your own HTTP request to the Ubiq API exactly as the official clients do (HMAC-SHA512 HTTP
// signature over content-type, date, host, (created), (request-target) and digest), then check it the way
// the server does. Use this when you call a Ubiq endpoint yourself instead of through an encryption client.
// Offline: no request is sent. Run: npm run build, then npm run example -- examples/sign-request.ts
import { signUbiqRequest } from 'ubiq-idp';
import { verifyUbiqRequest } from 'ubiq-idp/server';

// In an application these come from a provider: `const credentials = await defaultProvider()()`.
const credentials = { accessKeyId: 'AbCdEfGhIjKlMnOpQrStUvWx', secretSigningKey: 'example-signing-key-not-a-real-one' };

const url = 'https://api.ubiqsecurity.com/api/v0/encryption/key';
// Sign the exact bytes you send: the Digest header covers them.
const body = JSON.stringify({ uses: 1, payload_cert: 'base64-of-the-certificate-pem' });
const headers = signUbiqRequest({ method: 'POST', url, body, credentials });
for (const [name, value] of Object.entries(headers)) console.log(`${name}: ${name === 'Signature' ? `${value.slice(0, 96)}…` : value}`);
// → then: await fetch(url, { method: 'POST', headers, body })

// What the server checks (the reference server does exactly this for its key endpoints).
const lookupSigningKey = (id: string) => (id === credentials.accessKeyId ? credentials.secretSigningKey : undefined);
const received = verifyUbiqRequest({ method: 'POST', url, headers: new Headers({ ...headers, host: 'api.ubiqsecurity.com' }), body, lookupSigningKey });
console.log('server verifies the request:', received.ok ? `ok, key ${received.accessKeyId}` : received.code);

// Change one byte of the body and the digest no longer matches.
const tampered = verifyUbiqRequest({ method: 'POST', url, headers: new Headers({ ...headers, host: 'api.ubiqsecurity.com' }), body: body.replace('"uses":1', '"uses":9'), lookupSigningKey });
console.log('server verifies a tampered body:', tampered.ok ? 'ok (unexpected!)' : `${tampered.code}: ${tampered.message}`);
