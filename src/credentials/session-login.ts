import type { IdpSettings } from '../config/types.js';
import { PROVIDERS } from '../idp/providers.js';
import { SessionError } from '../session/errors.js';
import { openSessionCredentials, type SessionIdentity, type SessionRecord } from '../session/format.js';
import type { SessionStore } from '../session/store.js';
import type { Logger } from '../util/logger.js';
import type { IdpLogin } from './idp-login.js';
import type { ExpiringValue, LoadContext } from './refreshing.js';
import { servable } from './session-peek.js';
import type { UbiqIdpCredentials } from './ubiq-credentials.js';

/** @internal What the session-backed login needs. */
export interface SessionLoginOptions {
  login: IdpLogin;
  store: SessionStore;
  identity: SessionIdentity;
  settings: IdpSettings;
  /** Serve and renew from the stored session (false: only write it, as `ubiq-idp login` does). */
  reuse: boolean;
  /** Rotating key pairs: a session's key is served but not reused for the next certificate. */
  rotateKeyPair: boolean;
  strictPermissions: boolean;
  /** Stored credentials closer to expiry than this (capped at a tenth of their lifetime) are renewed, not served. */
  minRemainingMs: number;
  now: () => number;
  logger: Logger;
}

function issuerOf(settings: IdpSettings): string | undefined {
  try {
    return PROVIDERS[settings.provider]?.issuerFromTokenEndpoint(new URL(settings.tokenEndpointUrl));
  } catch {
    return undefined;
  }
}

/**
 * @internal Puts the shared session around an IdP login: serve the stored credentials while they are
 * valid; renew through the stored refresh token; and let only one process of many sign in at a time —
 * the others wait on the session lock and take what the winner wrote.
 */
export function createSessionLogin(options: SessionLoginOptions): { load: (context: LoadContext<UbiqIdpCredentials>) => Promise<ExpiringValue<UbiqIdpCredentials>> } {
  const { login, store, logger } = options;
  let signedInAt: Date | undefined;
  /** Who the session's sign-in named (kept when a renewal's token names nobody). */
  let signedInUser: string | undefined;
  /** The stored credentials last found too old to serve (not opened again while unchanged). */
  let staleVersion: string | undefined;
  /** When this process last got a token itself (its refresh token is then the newest we know of). */
  let ownTokenAt = 0;

  const usable = (expiresAt: Date, issuedAt: Date): boolean => servable(expiresAt, issuedAt, options.minRemainingMs, options.now());

  function learn(record: SessionRecord): void {
    // Only a file written after our own last token: if saving ours failed, the file's is older (and Okta may have rotated it away).
    if (record.updatedAt.getTime() < ownTokenAt) return;
    signedInAt = record.signedInAt;
    if (record.signedInUser !== undefined) signedInUser = record.signedInUser;
    // A newer refresh token than ours (another process renewed; Okta may have rotated ours away).
    if (record.refreshToken !== undefined) login.useRefreshToken(record.refreshToken);
  }

  /** The stored credentials when they are valid and newer than `previous`; learns the stored refresh token and key on the way. */
  async function adopt(previous: UbiqIdpCredentials | undefined, forced: boolean): Promise<ExpiringValue<UbiqIdpCredentials> | undefined> {
    const record = await store.read();
    if (record === undefined) return undefined;
    const stored = record.credentials;
    if (stored === undefined) {
      learn(record);
      return undefined;
    }
    // Waiting processes poll the file: opening the same stale credentials again (PBKDF2, X.509) is wasted work.
    const version = `${stored.payloadCert}\n${stored.expiresAt.getTime()}`;
    if (version === staleVersion && (previous !== undefined || login.hasKeys())) {
      learn(record);
      return undefined;
    }
    let opened: ReturnType<typeof openSessionCredentials>;
    try {
      opened = openSessionCredentials(stored, options.identity, record.signedInUser);
    } catch (error) {
      const refusal = new SessionError('session_corrupt', `The Ubiq session file ${store.path} does not hold together (${(error as Error).message}); it was not used.`, {
        path: store.path,
        hint: "Run 'ubiq-idp logout' to delete it, then 'ubiq-idp login' (or let the app sign in again).",
      });
      if (options.strictPermissions) throw refusal;
      logger.warn(`${refusal.message} Signing in again.`, { code: refusal.code, path: store.path });
      return undefined;
    }
    // Only from a file that holds together: a tampered one gives us nothing, not even its refresh token.
    learn(record);
    const { credentials, keyPair } = opened;
    const fresh = !forced && usable(credentials.expiresAt, credentials.issuedAt) && (previous === undefined || credentials.expiresAt.getTime() > previous.expiresAt.getTime());
    if (fresh || (!options.rotateKeyPair && !login.hasKeys())) {
      login.useKeys({ keyPair, secretCryptoAccessKey: stored.secretCryptoAccessKey, encryptedPrivateKey: stored.encryptedPrivateKey });
    }
    if (!fresh) {
      staleVersion = version;
      return undefined;
    }
    logger.debug?.('Ubiq credentials from the session', { path: store.path, expiresAt: credentials.expiresAt.toISOString() });
    return { value: credentials, expiresAt: credentials.expiresAt.getTime(), issuedAt: credentials.issuedAt.getTime() };
  }

  async function signInAndSave(context: LoadContext<UbiqIdpCredentials>): Promise<ExpiringValue<UbiqIdpCredentials>> {
    const loaded = await login.load(context);
    const token = login.lastToken();
    const now = new Date(options.now());
    ownTokenAt = now.getTime();
    if (token?.via === 'password' || signedInAt === undefined) signedInAt = now;
    const value = loaded.value;
    if (value.username !== '') signedInUser = value.username;
    const record: SessionRecord = {
      identity: options.identity,
      issuer: issuerOf(options.settings),
      refreshToken: token?.refreshToken,
      credentials: {
        accessKeyId: value.accessKeyId,
        secretSigningKey: value.secretSigningKey,
        secretCryptoAccessKey: value.secretCryptoAccessKey,
        encryptedPrivateKey: value.encryptedPrivateKey,
        payloadCert: value.payloadCert,
        issuedAt: value.issuedAt,
        expiresAt: value.expiresAt,
      },
      ...(signedInUser === undefined ? {} : { signedInUser }),
      signedInAt,
      updatedAt: now,
    };
    await store.write(record);
    return loaded;
  }

  return {
    async load(context) {
      if (!options.reuse) return signInAndSave(context);
      const forced = context.reason === 'forced';
      const ready = await adopt(context.previous, forced);
      if (ready !== undefined) return ready;
      const outcome = await store.withLock(
        async () => (await adopt(context.previous, forced)) ?? signInAndSave(context),
        () => adopt(context.previous, forced),
        context.signal,
      );
      if (outcome.kind === 'timeout') logger.warn('Waited too long for another process to sign in to Ubiq; signed in separately.', { path: store.lockPath });
      return outcome.value;
    },
  };
}
