// The whole demo, end to end, in process: both IdPs, every step over 127.0.0.1.
import { describe, expect, it } from 'vitest';
import { cli } from './cli-helpers.js';

describe('ubiq-idp demo', () => {
  it('runs every step for Okta then Entra, shows the rules, ends with a summary, prints no secret', { timeout: 120_000 }, async () => {
    const run = await cli(['demo', '--key-size', '2048']);
    expect(run.code, run.stdout).toBe(0);
    const out = run.stdout;
    expect(out.indexOf('━━ Okta')).toBeLessThan(out.indexOf('━━ Entra'));
    expect(out).toMatch(/Okta 5\. Okta provisions over SCIM\n[\s\S]*POST \/Users → 201[\s\S]*auto-provisioned API key "ada@example\.com", enabled, may use: payroll/);
    expect(out).toContain('decrypted: "Q3 payroll run');
    // The structured dataset: same shape, dashes kept, round trip, for both IdPs.
    expect(out.match(/✓ 123-45-6789 → [0-9A-Z]{3}-[0-9A-Z]{2}-[0-9A-Z]{4} \(.*\) → 123-45-6789/g)).toHaveLength(2);
    expect(out).toMatch(/access denied: 403 dataset_access_denied: .*dataset "payroll"/);
    expect(out).toMatch(/login refused: IdpError invalid_credentials[\s\S]*hint: /);
    expect(out).toMatch(/login refused: IdpError account_disabled[\s\S]*hint: The user is disabled in Entra ID/);
    expect(out).toContain('Summary');
    expect(out).toMatch(/All 26 steps behaved as expected/);
    expect(out).not.toMatch(/✗/);
    expect(out).not.toMatch(/BEGIN|client_secret"|IDP_PASSWORD=/);
  });
});
