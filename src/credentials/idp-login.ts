import { setImmediate as nextTurn } from 'node:timers/promises';
import type { IdpSettings, IdpUserCredentials } from '../config/types.js';
import type { HttpClient } from '../http/index.js';
import { renewIdpToken } from '../idp/grant.js';
import { discoveryUrlFor } from '../idp/providers.js';
import { signedInUserOf } from '../idp/signed-in-user.js';
import type { IdpToken, RenewedIdpToken } from '../idp/token.js';
import type { Logger } from '../util/logger.js';
import { createCsr } from './csr.js';
import { renewInteractiveToken, type InteractiveSignInOptions } from './interactive-login.js';
import { encryptPrivateKeyPem, generateRsaKeyPair, randomCryptoAccessKey, type RsaKeyGeneration, type RsaKeyPair } from '../crypto/keypair.js';
import type { ExpiringValue, LoadContext } from './refreshing.js';
import { exchangeIdpToken } from './sso.js';
import { createUbiqIdpCredentials, type UbiqIdpCredentials } from './ubiq-credentials.js';

/** The key pair and everything derived from it that survives renewals. */
interface KeyMaterial {
  keyPair: RsaKeyPair;
  csrPem: string;
  secretCryptoAccessKey: string;
  encryptedPrivateKey: string;
}

/** @internal What the provider gives the login. */
export interface IdpLoginOptions {
  settings: IdpSettings;
  user: IdpUserCredentials;
  server: string;
  profile: string | undefined;
  http: HttpClient;
  modulusLength: number;
  /** How key pairs are made (see generateRsaKeyPair). */
  keyGeneration: RsaKeyGeneration;
  /** A key pair made (or being made) beforehand. */
  keyPair: RsaKeyPair | Promise<RsaKeyPair> | undefined;
  /** New key pair for every renewal (generated ahead in the background). Default: reuse. */
  rotateKeyPair: boolean;
  timeoutMs: number | undefined;
  /** Permit an `http://` token endpoint (tests against local emulators). */
  allowInsecureHttp: boolean;
  now: () => number;
  logger: Logger;
  /** How a device or browser sign-in reaches the person (unused with the password grant). */
  interactive?: InteractiveSignInOptions;
}

/** A key pair and its encrypted form, as kept in a session (reused for the next certificate). */
export interface ReusableKeys {
  keyPair: RsaKeyPair;
  secretCryptoAccessKey: string;
  encryptedPrivateKey: string;
}

/** @internal One user's IdP session: the key material, the last IdP token, and the login/renewal step. */
export interface IdpLogin {
  load: (context: LoadContext<UbiqIdpCredentials>) => Promise<ExpiringValue<UbiqIdpCredentials>>;
  /** The token of the last successful load (its refresh token is what a session keeps). */
  lastToken(): RenewedIdpToken | undefined;
  /** Use this key pair for the next certificate (from a session) instead of the one held or being made. */
  useKeys(keys: ReusableKeys): void;
  /** Whether a key pair is held or being made (then a session's key is not needed). */
  hasKeys(): boolean;
  /** Renew with this refresh token next (a newer one another process wrote into the session). */
  useRefreshToken(refreshToken: string): void;
  /** Forget the refresh token (the next load signs in with the password). */
  forgetToken(): void;
  /**
   * Open the connection to the IdP before the first sign-in: one GET of its public discovery document,
   * through the HTTP client the sign-in uses. Never rejects (a failure only means the sign-in connects
   * itself).
   */
  warmUp(): Promise<void>;
  /** Forget tokens and keys. */
  dispose(): void;
}

/** The warm-up is a courtesy: it never holds anything up for long. */
const WARM_UP_TIMEOUT_MS = 5_000;

/**
 * @internal The SSO exchange (ARCHITECTURE.md) as one step: key pair (on the libuv pool, never the main thread) and IdP token
 * in parallel, then CSR → SSO exchange → credentials. Renewals reuse the key pair (unless rotating)
 * and renew the token with the refresh token, falling back to the password (inside `renewIdpToken`).
 */
export function createIdpLogin(options: IdpLoginOptions): IdpLogin {
  let material: Promise<KeyMaterial> | undefined;
  let nextMaterial: Promise<KeyMaterial> | undefined;
  let token: IdpToken | undefined;
  let last: RenewedIdpToken | undefined;
  /** A session's key pair, turned into material (with its CSR) only when a renewal needs it. */
  let pendingKeys: ReusableKeys | undefined;

  function buildMaterial(given?: RsaKeyPair | Promise<RsaKeyPair>): Promise<KeyMaterial> {
    const promise = (async () => {
      const keyPair = (await given) ?? (await generateRsaKeyPair({ modulusLength: options.modulusLength, keyGeneration: options.keyGeneration }));
      // ARCHITECTURE.md, Performance targets: separate turns for the CSR, the PBKDF2 of the encrypted PEM and what the caller does
      // next (the SSO request), so their synchronous parts never add up into one long stall.
      await nextTurn();
      const csrPem = await createCsr(keyPair);
      await nextTurn();
      const secretCryptoAccessKey = randomCryptoAccessKey();
      const encryptedPrivateKey = encryptPrivateKeyPem(keyPair.privateKey, secretCryptoAccessKey);
      await nextTurn();
      return { keyPair, csrPem, secretCryptoAccessKey, encryptedPrivateKey };
    })();
    // A pre-generation nobody waits for yet must not become an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  function fromKeys(keys: ReusableKeys): Promise<KeyMaterial> {
    const promise = (async () => {
      await nextTurn();
      return { ...keys, csrPem: await createCsr(keys.keyPair) };
    })();
    promise.catch(() => {});
    return promise;
  }

  function currentMaterial(): Promise<KeyMaterial> {
    if (material === undefined) {
      material = pendingKeys !== undefined ? fromKeys(pendingKeys) : (nextMaterial ?? buildMaterial());
      pendingKeys = undefined;
      nextMaterial = undefined;
      const mine = material;
      // A failed generation is not cached: the next attempt generates again.
      mine.catch(() => {
        if (material === mine) material = undefined;
      });
    }
    return material;
  }

  if (options.keyPair !== undefined) {
    const mine = buildMaterial(options.keyPair);
    material = mine;
    mine.catch(() => {
      if (material === mine) material = undefined;
    });
  }

  async function obtainToken(signal: AbortSignal): Promise<IdpToken> {
    const request = {
      httpClient: options.http,
      signal,
      logger: options.logger,
      now: options.now,
      allowInsecureHttp: options.allowInsecureHttp,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    };
    const grant = options.settings.grant ?? 'password';
    const next =
      grant === 'password'
        ? await renewIdpToken(options.settings, options.user, token, request)
        : await renewInteractiveToken(options.settings, grant, token, options.interactive ?? {}, request);
    // Kept at once: Okta rotates refresh tokens, so the old one may be dead even if the SSO step fails.
    token = next;
    last = next;
    return next;
  }

  return {
    async load({ reason, signal }) {
      if (options.rotateKeyPair && reason !== 'initial' && nextMaterial !== undefined) {
        material = undefined;
      }
      const [idpToken, keys] = await Promise.all([obtainToken(signal), currentMaterial()]);
      signal.throwIfAborted();
      const sso = await exchangeIdpToken({
        server: options.server,
        customerId: options.settings.customerId,
        accessToken: idpToken.accessToken,
        csrPem: keys.csrPem,
        expectedPublicKey: keys.keyPair.publicKey,
        http: options.http,
        signal,
        now: options.now,
        allowInsecureHttp: options.allowInsecureHttp,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      if (options.rotateKeyPair) nextMaterial = buildMaterial();
      options.logger.debug?.('Ubiq credentials issued', {
        reason,
        server: options.server,
        username: options.user.username,
        expiresAt: sso.notAfter.toISOString(),
      });
      const value = createUbiqIdpCredentials({
        server: options.server,
        accessKeyId: sso.publicValue,
        secretSigningKey: sso.signingValue,
        secretCryptoAccessKey: keys.secretCryptoAccessKey,
        encryptedPrivateKey: keys.encryptedPrivateKey,
        privateKey: keys.keyPair.privateKey,
        certificate: sso.certificate,
        payloadCert: sso.payloadCert,
        issuedAt: sso.notBefore,
        expiresAt: sso.notAfter,
        provider: options.settings.provider,
        // A device or browser sign-in has no configured username: the person the IdP's ID or access token names.
        username: options.user.username !== '' ? options.user.username : (signedInUserOf(idpToken, options.settings.provider) ?? ''),
        profile: options.profile,
      });
      return { value, expiresAt: sso.notAfter.getTime(), issuedAt: sso.notBefore.getTime() };
    },
    lastToken: () => last,
    useKeys(keys) {
      // The CSR is made only if this key is renewed: serving a session never pays for it.
      material = undefined;
      nextMaterial = undefined;
      pendingKeys = keys;
    },
    hasKeys: () => material !== undefined || pendingKeys !== undefined,
    useRefreshToken(refreshToken) {
      token = { accessToken: '', tokenType: 'Bearer', expiresAt: new Date(0), refreshToken };
    },
    forgetToken() {
      token = undefined;
    },
    async warmUp() {
      // A pre-generated key pair promises a first call that costs only the token and SSO round trips. In a
      // fresh process the first request also pays for the HTTP client's own first use (connection, parser,
      // first-run code: about 20 ms on a loopback IdP, plus DNS and TLS on a real one), so that is paid now.
      let url: URL;
      try {
        url = new URL(discoveryUrlFor(options.settings));
      } catch {
        return; // the sign-in reports the bad setting
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowInsecureHttp)) return;
      try {
        await options.http.request(url, { method: 'GET', headers: { accept: 'application/json' }, retry: false, timeoutMs: Math.min(options.timeoutMs ?? WARM_UP_TIMEOUT_MS, WARM_UP_TIMEOUT_MS) });
      } catch (error) {
        options.logger.debug?.('IdP connection warm-up failed; the sign-in connects by itself', { reason: (error as { code?: unknown }).code });
      }
    },
    dispose() {
      material = undefined;
      nextMaterial = undefined;
      pendingKeys = undefined;
      token = undefined;
      last = undefined;
    },
  };
}
