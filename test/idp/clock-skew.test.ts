// An IdP whose clock is far from ours: openid-client refuses the ID token's times ("JWT timestamp claim
// value failed validation"); the IdpError keeps its code but says how far apart the clocks are and that
// this machine's clock (NTP) is what to check. Okta emulator over a real socket, skewed with skewMs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOktaEmulator, type OktaEmulator } from 'ubiq-idp/testing';
import type { IdpSettings } from '../../src/config/types.js';
import { fetchIdpToken, isIdpError, type FetchIdpTokenOptions } from '../../src/idp/index.js';

const CLIENT_ID = '0oaclockskew000000001';
const SECRET = 'canary-clock-skew-client-secret';
const PASSWORD = 'canary-clock-skew-password';
const base: FetchIdpTokenOptions = { allowInsecureHttp: true, retry: false };
const HOUR = 3_600_000;

let okta: OktaEmulator;
let settings: IdpSettings;
beforeEach(async () => {
  okta = createOktaEmulator({
    apps: [{ clientId: CLIENT_ID, clientSecret: SECRET, grantTypes: ['password'], grantedScopes: ['okta.users.read', 'okta.groups.read'] }],
    users: [{ login: 'ada@example.com', password: PASSWORD }],
    rateLimit: { perUserPerSecond: 0 },
  });
  const { tokenEndpoint } = await okta.listen();
  settings = { provider: 'okta', customerId: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', tokenEndpointUrl: tokenEndpoint, clientId: CLIENT_ID, clientSecret: SECRET };
});
afterEach(async () => {
  await okta.close();
});

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isIdpError(error)) throw new Error(`expected an IdpError, got ${String(error)}`);
  return error;
}

const offsetOf = (message: string): number => Number(/timestamps are (\d+) s/.exec(message)?.[1]);

describe('IdP clock far from ours', () => {
  it('an IdP 2 h behind: invalid_response that names the offset and points at the system clock / NTP, no secret in it', async () => {
    okta.skewMs = -2 * HOUR;
    const error = await failure(fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/timestamps are \d+ s behind this machine's clock \(its "exp" claim failed the time check/);
    expect(offsetOf(error.message)).toBeCloseTo(7_200, -1); // whole seconds, rounded on both sides
    expect(error.message).toContain('JWT timestamp claim value failed validation');
    expect(error.hint).toMatch(/this machine's clock.*NTP/);
    const seen = JSON.stringify({ message: error.message, hint: error.hint, cause: String(error.cause) });
    expect(seen).not.toContain(PASSWORD);
    expect(seen).not.toContain(SECRET);
  });

  it('our own clock 3 h ahead (injected now): the same hint, the IdP reported as behind by that much', async () => {
    const error = await failure(fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, { ...base, now: () => Date.now() + 3 * HOUR }));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toMatch(/s behind this machine's clock/);
    expect(offsetOf(error.message)).toBeCloseTo(10_800, -1);
    expect(error.hint).toContain('NTP');
  });

  it('a small skew is tolerated, and other invalid answers keep their own message', async () => {
    okta.skewMs = -20_000;
    expect((await fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base)).tokenType).toBe('Bearer');
    okta.skewMs = 0;
    okta.faults.set({ truncatedJson: 1, endpoints: ['token'] });
    const error = await failure(fetchIdpToken(settings, { username: 'ada@example.com', password: PASSWORD }, base));
    expect(error.code).toBe('invalid_response');
    expect(error.message).not.toContain('clock');
  });
});
