// A whole system for session tests: the Okta emulator and the reference server on 127.0.0.1 with one
// shiftable clock (to issue a certificate that is already near its end), a temporary home with the
// settings in UBIQ_* variables, and providers that read their settings as an app would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorClock } from 'ubiq-idp/testing';
import type { LoadConfigOptions } from '../../src/config/load.js';
import { fromIdp, type SourceOptions } from '../../src/credentials/sources.js';
import type { CredentialProvider } from '../../src/credentials/provider.js';
import type { UbiqCredentials } from '../../src/credentials/ubiq-credentials.js';
import type { Logger } from '../../src/util/logger.js';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, startSystem, USERNAME, type System } from '../reliability/helpers/system.js';

export { USERNAME, PASSWORD, CLIENT_ID, CLIENT_SECRET };

export interface SessionSystem {
  sys: System;
  home: string;
  /** The settings as UBIQ_* variables (what a child process gets). */
  env: Record<string, string>;
  load(extra?: Partial<LoadConfigOptions>): LoadConfigOptions;
  /** An IdP provider that reads its settings (from `env`, home `home`) and keeps the session. */
  provider(extra?: SourceOptions): CredentialProvider<UbiqCredentials>;
  /** Token grants and SSO requests since the last `resetCounts()`. */
  counts(): { password: number; refresh: number; sso: number };
  resetCounts(): void;
  /**
   * Sets the IdP's and the server's clocks back so that a certificate issued now ends `remainingMs` from
   * now (real time), then runs `work`, then restores real time.
   */
  withShortCertificate<T>(remainingMs: number, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Warnings and other log lines, collected. */
export function collectingLogger(): Logger & { warnings: string[]; lines: string[] } {
  const warnings: string[] = [];
  const lines: string[] = [];
  return {
    warnings,
    lines,
    debug: (message, fields) => void lines.push(`debug ${message} ${JSON.stringify(fields ?? {})}`),
    info: (message, fields) => void lines.push(`info ${message} ${JSON.stringify(fields ?? {})}`),
    warn: (message, fields) => {
      warnings.push(message);
      lines.push(`warn ${message} ${JSON.stringify(fields ?? {})}`);
    },
    error: (message, fields) => void lines.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
  };
}

export async function startSessionSystem(): Promise<SessionSystem> {
  let shiftMs = 0;
  const clock: EmulatorClock = { now: () => Date.now() + shiftMs, advance() {}, setNow() {}, useRealTime() {} };
  const sys = await startSystem({ okta: { clock }, server: { now: () => Date.now() + shiftMs } });
  const home = await mkdtemp(join(tmpdir(), 'ubiq-session-home-'));
  const env: Record<string, string> = {
    UBIQ_SERVER: sys.front.url,
    UBIQ_IDP_PROVIDER: 'okta',
    UBIQ_IDP_CUSTOMER_ID: sys.server.info().customerId,
    UBIQ_IDP_TOKEN_ENDPOINT_URL: sys.okta.tokenEndpoint,
    UBIQ_IDP_TENANT_ID: CLIENT_ID,
    UBIQ_IDP_CLIENT_SECRET: CLIENT_SECRET,
    UBIQ_IDP_USERNAME: USERNAME,
    UBIQ_IDP_PASSWORD: PASSWORD,
  };
  const providers = new Set<CredentialProvider<UbiqCredentials>>();
  let base = { password: 0, refresh: 0, sso: 0 };
  const raw = () => {
    const grants = sys.okta.stats().byGrant;
    return { password: grants.password ?? 0, refresh: grants.refresh_token ?? 0, sso: sys.front.ssoRequests };
  };
  const load = (extra: Partial<LoadConfigOptions> = {}): LoadConfigOptions => ({ env, homeDir: home, allowInsecureHttp: true, ...extra });
  return {
    sys,
    home,
    env,
    load,
    provider(extra = {}) {
      const provider = fromIdp({ modulusLength: 2048, retry: false, allowInsecureHttp: true, ...extra, load: load(extra.load) });
      providers.add(provider);
      return provider;
    },
    counts() {
      const now = raw();
      return { password: now.password - base.password, refresh: now.refresh - base.refresh, sso: now.sso - base.sso };
    },
    resetCounts() {
      base = raw();
    },
    async withShortCertificate(remainingMs, work) {
      shiftMs = remainingMs - 3_600_000; // the server's certificates last 1 h
      try {
        return await work();
      } finally {
        shiftMs = 0;
      }
    },
    async close() {
      await Promise.all([...providers].map((p) => p.close()));
      await sys.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}
