import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const dir = (pair: string) => fileURLToPath(new URL(`../../examples/config/${pair}/`, import.meta.url));
const load = (pair: string, profile: string) =>
  loadConfig({ configurationFile: `${dir(pair)}configuration`, credentialsFile: `${dir(pair)}credentials`, profile, env: {} });
// A checkout may leave the files group/world-readable; that warning is the only one allowed.
const otherWarnings = (warnings: readonly { code: string }[]) => warnings.filter((w) => w.code !== 'file_permissions');

describe('examples/config', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('the Okta pair (seed documents\' key names) loads as an IdP profile, and its [default] as static keys', async () => {
    const config = await load('okta-seed-dialect', 'idp');
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.idp).toMatchObject({ provider: 'okta', clientId: '0oamj6wsupUbPfqXt697', tokenEndpointUrl: 'https://trial-4377979.okta.com/oauth2/v1/token' });
    expect(config.sources.fields['idp.provider']?.key).toBe('idp.type');
    expect(Object.keys(config.otherBlocks)).toEqual(['event_reporting', 'key_caching']);
    expect(otherWarnings(config.warnings)).toEqual([]);
    await expect(load('okta-seed-dialect', 'default')).resolves.toMatchObject({ kind: 'static', keys: { accessKeyId: 'example-access-key-id' } });
  });

  it('the Entra pair (official key names) loads with no warning', async () => {
    const config = await load('entra-official-dialect', 'idp');
    if (config.kind !== 'idp') throw new Error('expected idp');
    expect(config.idp).toMatchObject({ provider: 'entra', clientId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' });
    expect(config.sources.fields['idp.provider']?.key).toBe('idp.provider');
    expect(config.server).toBe('https://api.ubiqsecurity.com');
    expect(otherWarnings(config.warnings)).toEqual([]);
  });

  it('examples/config/load-config.ts runs and prints both pairs without secrets', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // A computed specifier: the example is a program (top-level await), importing it runs it.
    const example = '../../examples/config/load-config.ts';
    await import(example);
    const text = lines.join('\n');
    expect(text).toMatch(/^okta-seed-dialect: LoadedConfig/m);
    expect(text).toMatch(/^entra-official-dialect: LoadedConfig/m);
    expect(text).toContain('[REDACTED]');
    for (const secret of ['example-okta-client-secret', 'example-okta-password', 'example-entra-client-secret', 'example-entra-password']) expect(text).not.toContain(secret);
  });
});
