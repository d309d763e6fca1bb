// Fault matrix, refresh side: background refreshes under SSO faults, short certificates and clock skew, on one
// manual clock shared by the Okta emulator, the reference server and the provider (sockets are real).
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signedPost } from '../server-keys/key-helpers.js';
import { useOktaSystem } from './helpers/suite.js';
import { startSystem, type System } from './helpers/system.js';

const MIN = 60_000;
const suite = useOktaSystem();

describe('background refresh under SSO faults (manual clock shared by emulator, server and provider)', () => {
  let fx: System;
  beforeAll(async () => {
    fx = await startSystem({ fakeTime: true, server: { certificateLifetimeSeconds: 3600 } });
    await fx.okta.signToken({ warm: true }); // the emulator's first signature creates its key (slow)
  });
  afterAll(async () => {
    await fx.close();
  });
  afterEach(async () => {
    await fx.closeProviders();
    expect(fx.time!.pending()).toBe(0);
    fx.front.reset();
    fx.time!.reset(Date.now());
  });

  it('5xx then timeouts during the refresh: callers keep valid credentials (the key endpoint accepts them); bounded retries; recovers', async () => {
    const time = fx.time!;
    const failures: string[] = [];
    const provider = fx.provider({ pregenerateKeyPair: suite.keys, timeoutMs: 1_000, random: () => 0.5 });
    provider.onRefreshError((e) => failures.push((e as { code: string }).code));
    const nextFailure = () => new Promise<void>((resolve) => { const off = provider.onRefreshError(() => (off(), resolve())); });
    const first = await provider();
    const encryptUrl = `${fx.server.info().origin}/api/v0/encryption/key`;
    const useKey = (c: typeof first) => signedPost(encryptUrl, { uses: 1, payload_cert: c.payloadCert }, c, { now: new Date(time.now()) });
    expect((await useKey(first)).status).toBe(201);

    fx.front.faults.failNext = 1_000;
    let failed = nextFailure();
    await time.advance(50 * MIN); // into the soft window (~48 min for a 1 h certificate)
    await failed;
    expect(await provider()).toBe(first);
    expect((await useKey(first)).status).toBe(201);

    // Now the SSO endpoint hangs instead: each attempt times out (1 s of real time).
    fx.front.faults.failNext = 0;
    fx.front.faults.latencyMs = 5_000;
    failed = nextFailure();
    await time.advance(MIN);
    await failed;
    expect(await provider()).toBe(first);
    expect((await useKey(first)).status).toBe(201);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(new Set(failures)).toEqual(new Set(['sso_server_error', 'sso_unreachable']));

    fx.front.faults.latencyMs = 0;
    // 2 s doubling to 60 s over ~3 min of outage: a handful of attempts, not a storm.
    const outageRequests = fx.front.ssoRequests - 1;
    expect(outageRequests).toBeLessThanOrEqual(10);
    const recovered = new Promise<void>((resolve) => { const off = provider.onRefresh(() => (off(), resolve())); });
    await time.advance(2 * MIN);
    await recovered;
    const renewed = await provider();
    expect(renewed).not.toBe(first);
    expect(renewed.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect((await useKey(renewed)).status).toBe(201);
    expect(fx.front.ssoRequests - 1 - outageRequests).toBe(1);
  });

  it('a certificate shorter than the IdP token: expiry follows the certificate, refreshed before it ends', async () => {
    const time = fx.time!;
    const short = await startSystem({ fakeTime: false, server: { certificateLifetimeSeconds: 300, now: () => time.now() }, okta: { clock: { now: time.now, advance() {}, setNow() {}, useRealTime() {} } } });
    try {
      const provider = short.provider({ pregenerateKeyPair: suite.keys, now: time.now, timers: time.timers });
      const first = await provider();
      const notAfter = Date.parse(new X509Certificate(first.certificate).validTo);
      expect(first.expiresAt.getTime()).toBe(notAfter);
      expect(notAfter - time.now()).toBeLessThanOrEqual(300_000 + 1_000);
      // Walk through 30 minutes in 10 s steps: never an expired credential, about one renewal per certificate.
      for (let i = 0; i < 180; i += 1) {
        await time.advance(10_000);
        const current = await provider();
        expect(current.expiresAt.getTime()).toBeGreaterThan(time.now());
      }
      const renewals = short.front.ssoRequests - 1;
      expect(renewals).toBeGreaterThanOrEqual(6);
      expect(renewals).toBeLessThanOrEqual(12);
      await provider.close();
      expect(time.pending()).toBe(0);
    } finally {
      await short.close();
    }
  });

  it('clock skew: an IdP 45 s ahead is tolerated (server skew 60 s), 10 min ahead is refused with 401; a server 50 min behind issues a certificate that has ended by our clock: refused (typed, not cached); an IdP 2 h behind: typed IdpError', async () => {
    const time = fx.time!;
    let idpAhead = 45_000;
    const skewedIdp = await startSystem({
      server: { now: () => time.now() },
      okta: { clock: { now: () => time.now() + idpAhead, advance() {}, setNow() {}, useRealTime() {} } },
    });
    // The server's clock is 50 min behind ours (it tolerates that much token skew here), so the 30 min
    // certificate it issues has already ended by our clock.
    const behind = await startSystem({
      server: { now: () => time.now() - 50 * MIN, clockSkewSeconds: 3600, certificateLifetimeSeconds: 1800 },
      okta: { clock: { now: time.now, advance() {}, setNow() {}, useRealTime() {} } },
    });
    try {
      const ok = skewedIdp.provider({ pregenerateKeyPair: suite.keys, now: time.now, timers: time.timers });
      expect((await ok()).kind).toBe('idp');
      await ok.close();
      idpAhead = 10 * MIN;
      const ahead = skewedIdp.provider({ pregenerateKeyPair: suite.keys, now: time.now, timers: time.timers });
      await expect(ahead()).rejects.toMatchObject({ name: 'SsoError', code: 'sso_unauthorized', status: 401 });
      const refused = behind.provider({ pregenerateKeyPair: suite.keys, now: time.now, timers: time.timers });
      const error = await refused().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'SsoError', code: 'sso_certificate_not_valid_now' });
      await expect(refused()).rejects.toMatchObject({ code: 'sso_certificate_not_valid_now' });
      expect(behind.front.ssoRequests).toBe(2);
      // An IdP whose clock is 2 h behind ours: its ID token has expired by our clock (openid-client checks it).
      idpAhead = -2 * 60 * MIN;
      const idpBehind = skewedIdp.provider({ pregenerateKeyPair: suite.keys, now: time.now, timers: time.timers });
      await expect(idpBehind()).rejects.toMatchObject({ name: 'IdpError', code: 'invalid_response' });
      expect(skewedIdp.front.ssoRequests).toBe(2);
    } finally {
      await Promise.all([skewedIdp.close(), behind.close()]);
    }
  });
});
