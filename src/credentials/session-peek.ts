// The first call of a provider with a shared session, served on the provider's own thread when the session
// file holds valid credentials: reading it needs the settings and the session modules only (zod/mini, no
// IdP, HTTP or CSR module, no login worker), so a process that a session serves never waits for those.
// Anything unusual (no session, too old, unreadable, refused, corrupt) is left to the login, which reads the
// file again and reports it as usual. Loaded by the provider on its first call, never by importing ubiq-idp;
// keep its imports to the settings and the session modules (the login's error classes and IdP tables are not).
import { loadConfig, type LoadConfigOptions, type LoadedConfig } from '../config/load.js';
import { sessionIdentityOf } from '../session/identity.js';
import { openSessionCredentials } from '../session/format.js';
import { sessionLocation } from '../session/paths.js';
import { createSessionStore } from '../session/store.js';
import { silentLogger } from '../util/logger.js';
import type { ExpiringValue } from './refreshing-types.js';
import type { SessionOptions } from './session-options.js';
import type { UbiqIdpCredentials } from './ubiq-credentials.js';

/**
 * @internal Whether stored credentials may still be served: more than `minRemainingMs` left, capped at a
 * tenth of their lifetime (so short-lived certificates are not renewed on every call).
 */
export function servable(expiresAt: Date, issuedAt: Date, minRemainingMs: number, now: number): boolean {
  const margin = Math.min(minRemainingMs, (expiresAt.getTime() - issuedAt.getTime()) / 10);
  return expiresAt.getTime() - now > margin;
}

/** @internal What the provider passes. */
export interface SessionPeekOptions {
  load: LoadConfigOptions | undefined;
  config: LoadedConfig | undefined;
  allowInsecureHttp: boolean;
  session: SessionOptions;
  minRemainingMs: number;
  now: () => number;
}

/** @internal The session's credentials when they can be served as they are; otherwise undefined. */
export async function peekSession(options: SessionPeekOptions): Promise<ExpiringValue<UbiqIdpCredentials> | undefined> {
  try {
    // Quiet: the login (in the worker, or on this thread without one) reads the same settings and file, and
    // reports their warnings once.
    const load: LoadConfigOptions = { ...(options.load ?? {}), allowInsecureHttp: options.load?.allowInsecureHttp === true || options.allowInsecureHttp, logger: silentLogger };
    const config = options.config ?? (await loadConfig(load));
    // Static keys: nothing to serve from a session (the login says why).
    if (config.kind !== 'idp') return undefined;
    const location = sessionLocation({ dir: options.session.dir, env: options.load?.env, homeDir: options.load?.homeDir });
    if (location === undefined) return undefined;
    const identity = sessionIdentityOf(config);
    const store = createSessionStore({ location, identity, strictPermissions: options.load?.strictPermissions === true, logger: silentLogger });
    // inspect(), not read(): a refusal is the login's to warn about (read() warns once per file and problem).
    const found = await store.inspect();
    if (found.status !== 'found' || found.record.credentials === undefined) return undefined;
    // A device or browser profile configures no username: the session names who signed in.
    const { credentials } = openSessionCredentials(found.record.credentials, identity, found.record.signedInUser);
    if (!servable(credentials.expiresAt, credentials.issuedAt, options.minRemainingMs, options.now())) return undefined;
    return { value: credentials, expiresAt: credentials.expiresAt.getTime(), issuedAt: credentials.issuedAt.getTime() };
  } catch {
    return undefined;
  }
}
