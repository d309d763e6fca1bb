import { decodeJwt } from 'jose';
import type { LoadedConfig } from '../config/load.js';
import { createCsr } from '../credentials/csr.js';
import { generateRsaKeyPair } from '../crypto/keypair.js';
import { exchangeIdpToken } from '../credentials/sso.js';
import { isUbiqIdpError } from '../errors.js';
import { fetchIdpToken, isIdpError, type IdpToken } from '../idp/index.js';
import type { DoctorReport } from './doctor-report.js';
import { stepForIdpCode, stepForSsoCode } from './seed-steps.js';
import { formatMs, shorten } from './ui.js';

/** Claims worth showing from an access token (never the token itself). */
function describeClaims(token: IdpToken): string {
  try {
    const claims = decodeJwt(token.accessToken);
    const aud = Array.isArray(claims.aud) ? claims.aud.join(' ') : claims.aud;
    return `issuer ${String(claims.iss)}, audience ${String(aud)}`;
  } catch {
    return 'opaque token (not a JWT): Ubiq cannot verify it';
  }
}

/**
 * A real sign-in: the IdP's password grant, then the SSO exchange at the Ubiq server with a fresh key
 * pair and CSR, exactly as the credential provider does. Each failure shows the typed error's hint and
 * the setup step that fixes it.
 */
export async function checkLogin(report: DoctorReport, config: Extract<LoadedConfig, { kind: 'idp' }>, options: { allowInsecureHttp: boolean; signal?: AbortSignal | undefined; modulusLength?: number }): Promise<void> {
  const { idp, user } = config;
  const signIn = await report.ui.spin(`signing in to ${idp.provider} as ${user.username}`, () =>
    fetchIdpToken(idp, user, { allowInsecureHttp: options.allowInsecureHttp, timeoutMs: 10_000, ...(options.signal ? { signal: options.signal } : {}), retry: false }).then(
      (token) => ({ ok: true as const, token }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
  if (!signIn.value.ok) {
    const error = signIn.value.error;
    if (isIdpError(error)) {
      const ids = error.correlation ? ` [${Object.entries(error.correlation).map(([k, v]) => `${k} ${String(v)}`).join(', ')}]` : '';
      report.add({
        status: 'fail',
        title: `sign-in refused by ${idp.provider}: ${error.message}${ids}`,
        fix: error.hint ?? '',
        code: error.code,
        ...(stepForIdpCode(idp.provider, error.code) ? { step: stepForIdpCode(idp.provider, error.code) } : {}),
      });
    } else {
      report.add({ status: 'fail', title: `sign-in failed: ${error instanceof Error ? error.message : String(error)}`, ...(isUbiqIdpError(error) ? { code: error.code, fix: error.hint ?? '' } : {}) });
    }
    return;
  }
  const token = signIn.value.token;
  const minutes = Math.round((token.expiresAt.getTime() - Date.now()) / 60_000);
  report.add({
    status: 'ok',
    title: `signed in to ${idp.provider} as ${user.username}: access token valid for ${minutes} min${token.refreshToken ? ', with a refresh token' : ''}`,
    detail: `(${formatMs(signIn.ms)})`,
  });
  report.add({ status: 'info', title: `access token: ${describeClaims(token)}`, detail: '(these must equal IDP Token Issuer / Audience in the Ubiq IDP Settings window)' });

  const exchange = await report.ui.spin(`exchanging the token at ${config.server} (key pair, CSR, SSO)`, async () => {
    try {
      const pair = await generateRsaKeyPair({ modulusLength: options.modulusLength ?? 4096 });
      const csrPem = await createCsr(pair);
      const result = await exchangeIdpToken({
        server: config.server,
        customerId: idp.customerId,
        accessToken: token.accessToken,
        csrPem,
        expectedPublicKey: pair.publicKey,
        allowInsecureHttp: options.allowInsecureHttp,
        timeoutMs: 10_000,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { ok: true as const, result };
    } catch (error) {
      return { ok: false as const, error };
    }
  });
  if (!exchange.value.ok) {
    const error = exchange.value.error;
    const code = isUbiqIdpError(error) ? error.code : undefined;
    report.add({
      status: 'fail',
      title: `Ubiq SSO exchange failed: ${error instanceof Error ? error.message : String(error)}`,
      ...(isUbiqIdpError(error) ? { fix: error.hint ?? '', code: error.code } : {}),
      ...(code && stepForSsoCode(idp.provider, code) ? { step: stepForSsoCode(idp.provider, code) } : {}),
    });
    return;
  }
  const { result } = exchange.value;
  report.add({
    status: 'ok',
    title: `Ubiq issued a certificate: access key id ${shorten(result.publicValue)}, valid until ${result.notAfter.toISOString()}`,
    detail: `(${formatMs(exchange.ms)})`,
  });
}
