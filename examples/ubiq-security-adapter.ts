// The official ubiq-security Node client on this library's credentials: toUbiqSecurityCredentials()
// gives the object the client takes where it takes `new ubiq.Credentials(...)`, in IdP mode, with our
// single-flight sign-in and background refresh behind renewIdpCertAsync(). With ubiq-security installed:
//
//   const ubiq = require('ubiq-security');
//   const credentials = toUbiqSecurityCredentials(defaultProvider());
//   await credentials.initAsync();                        // where credentials.initAsync(configuration) goes
//   const encrypted = await ubiq.encrypt(credentials, Buffer.from('hello'));
//
// ubiq-security is not installed here, so this example does what its Encryption class does with the
// object (lib/encryption.js): read the fields, renew, send payload_cert, and open the local private key.
// Run: npm run build, then npm run example -- examples/ubiq-security-adapter.ts
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { defaultProvider, signUbiqRequest, toUbiqSecurityCredentials } from 'ubiq-idp';
import { startLocalUbiq } from './support/local-ubiq.js';

const local = await startLocalUbiq();
try {
  const home = await local.writeHome();
  const provider = defaultProvider({ profile: 'idp', load: { homeDir: home, env: {}, allowInsecureHttp: true } });
  const credentials = toUbiqSecurityCredentials(provider);
  await credentials.initAsync();
  console.log(`isIdp() = ${credentials.isIdp()}, host ${credentials.host}, access_key_id ${credentials.access_key_id}`);
  console.log(credentials); // secrets print as [REDACTED]

  // What the official Encryption does with it.
  await credentials.renewIdpCertAsync();
  const url = `${credentials.host}/api/v0/encryption/key`;
  const body = JSON.stringify({ uses: 1, payload_cert: credentials.idp_cert_base64 });
  const signing = { accessKeyId: credentials.access_key_id, secretSigningKey: credentials.secret_signing_key };
  const response = await fetch(url, { method: 'POST', headers: signUbiqRequest({ method: 'POST', url, body, credentials: signing }), body, signal: AbortSignal.timeout(5_000) });
  const key = (await response.json()) as { wrapped_data_key?: string };
  console.log(`POST /api/v0/encryption/key → ${response.status}`);
  if (key.wrapped_data_key !== undefined) {
    // IdP mode: the client replaces the server's encrypted_private_key with getEncryptedPrivateKey().
    const privateKey = createPrivateKey({ key: credentials.getEncryptedPrivateKey(), passphrase: credentials.secret_crypto_access_key });
    const dataKey = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(key.wrapped_data_key, 'base64'));
    console.log(`unwrapped a ${dataKey.length * 8}-bit data key with the local private key`);
  }
  credentials.detach();
  await provider.close();
} finally {
  await local.close();
}
