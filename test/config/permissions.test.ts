import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { idpCredentials, oktaSeedDialect, recordingLogger, tempHome, type TempHome } from './helpers.js';
import { objectContaining, stringContaining } from '../helpers/matchers.js';

const homes: TempHome[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((h) => h.cleanup()));
});

describe.skipIf(process.platform === 'win32')('file permissions', () => {
  it('warns through the logger when the credentials file is readable by group or others', async () => {
    const h = await tempHome({ '.ubiq/configuration': oktaSeedDialect() });
    homes.push(h);
    const path = await h.write('.ubiq/credentials', idpCredentials('default'), 0o644);
    const logger = recordingLogger();
    const config = await loadConfig({ homeDir: h.home, env: {}, logger });
    expect(config.warnings).toEqual([objectContaining({ code: 'file_permissions', source: path, message: stringContaining('mode 644') })]);
    expect(logger.lines.map((l) => l.message)).toEqual([stringContaining(`chmod 600 '${path}'`)]);
  });

  it('strictPermissions makes it an error; 0600 passes', async () => {
    const h = await tempHome({ '.ubiq/configuration': oktaSeedDialect() });
    homes.push(h);
    await h.write('.ubiq/credentials', idpCredentials('default'), 0o640);
    await expect(loadConfig({ homeDir: h.home, env: {}, strictPermissions: true })).rejects.toMatchObject({
      code: 'config_invalid',
      problems: [objectContaining({ code: 'file_permissions' })],
    });
    await h.write('.ubiq/credentials', idpCredentials('default'), 0o600);
    await expect(loadConfig({ homeDir: h.home, env: {}, strictPermissions: true })).resolves.toMatchObject({ warnings: [] });
  });

  it('also checks a configuration file that holds a client secret, but not one without', async () => {
    const h = await tempHome({ '.ubiq/credentials': idpCredentials('default') });
    homes.push(h);
    await h.write('.ubiq/configuration', oktaSeedDialect(), 0o604);
    expect((await loadConfig({ homeDir: h.home, env: {} })).warnings.map((w) => w.source)).toEqual([h.path('.ubiq/configuration')]);
    await h.write('.ubiq/configuration', JSON.stringify({ key_caching: {} }), 0o644);
    const config = await loadConfig({ homeDir: h.home, env: { UBIQ_IDP_PROVIDER: 'okta', UBIQ_IDP_CUSTOMER_ID: '6e7e795e-26a2-4973-aa73-b9fc259ebc5f', UBIQ_IDP_TOKEN_ENDPOINT_URL: 'https://a.okta.com/oauth2/v1/token', UBIQ_IDP_TENANT_ID: 'c', UBIQ_IDP_CLIENT_SECRET: 's' } });
    expect(config.warnings).toEqual([]);
  });
});
