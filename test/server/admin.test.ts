// The admin API (the "Ubiq UI" stand-in) over a real socket: auth, IdP settings, SCIM token rotation,
// datasets, dataset groups, assignment, API keys, the access query, and its JSON errors.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- this file asserts the admin API's JSON answers member by member (`body.apiKeys[0].access`), read from the socket as `any` by helpers.ts; a type per answer would restate the server's schema in the test that checks it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers.js';

let run: Running;
beforeEach(async () => {
  run = await startServer({ idp: { discoveryUrl: 'https://trial-4377979.okta.com/.well-known/openid-configuration', issuer: 'https://trial-4377979.okta.com', audience: 'api://default' } });
});
afterEach(async () => {
  await run.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on the JSON wire shape of any answer
const expectError = (res: { status: number; body: any }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ code });
  expect(typeof res.body.message).toBe('string');
};

describe('admin API', () => {
  it('401 without the admin token; the SCIM token is not an admin token', async () => {
    expectError(await run.admin('GET', '/settings', undefined, { authorization: 'Bearer nope' }), 401, 'admin_unauthorized');
    expectError(await run.admin('GET', '/settings', undefined, { authorization: `Bearer ${run.server.info().scimToken}` }), 401, 'admin_unauthorized');
    expect((await fetch(`${run.adminBaseUrl}/settings`)).status).toBe(401);
  });

  it('settings show the IDP Settings window; info() agrees', async () => {
    const res = await run.admin('GET', '/settings');
    expect(res.body).toEqual({
      customerId: run.server.info().customerId,
      scimUrl: run.scimBaseUrl,
      idp: { enabled: true, discoveryUrl: 'https://trial-4377979.okta.com/.well-known/openid-configuration', issuer: 'https://trial-4377979.okta.com', audience: 'api://default', allowedClientIds: [] },
    });
    expect(run.server.info().idp).toMatchObject({ issuer: 'https://trial-4377979.okta.com', audience: 'api://default', enabled: true });
  });

  it('PATCH /idp edits the settings (null clears); bad values → 400 invalid_request naming the field', async () => {
    const res = await run.admin('PATCH', '/idp', { issuer: 'https://sts.windows.net/tid/', audience: 'api://client', usernameClaim: 'upn', enabled: false, discoveryUrl: null });
    expect(res.body).toEqual({ enabled: false, issuer: 'https://sts.windows.net/tid/', audience: 'api://client', usernameClaim: 'upn', allowedClientIds: [] });
    expect(run.server.context.settings.idp.enabled).toBe(false);
    const bad = await run.admin('PATCH', '/idp', { discoveryUrl: 'not a url' });
    expectError(bad, 400, 'invalid_request');
    expect(bad.body.message).toContain('discoveryUrl');
    expectError(await run.admin('PATCH', '/idp', { issuerr: 'x' }), 400, 'invalid_request');
    expectError(await run.admin('PATCH', '/idp', '{not json'), 400, 'invalid_json');
    expectError(await run.admin('PATCH', '/idp', 'x', { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    expectError(await run.admin('PATCH', '/idp', { issuer: 'x'.repeat(2 * 1024 * 1024) }), 413, 'body_too_large');
  });

  it('SCIM token: show, rotate — the old token stops working at once', async () => {
    const old = run.server.info().scimToken;
    expect((await run.admin('GET', '/scim')).body).toEqual({ scimUrl: run.scimBaseUrl, secretToken: old });
    const rotated = await run.admin('POST', '/scim/token');
    expect(rotated.body.secretToken).not.toBe(old);
    expect(run.server.info().scimToken).toBe(rotated.body.secretToken);
    const withOld = await fetch(`${run.scimBaseUrl}/Users`, { headers: { authorization: `Bearer ${old}` } });
    expect(withOld.status).toBe(401);
    expect((await run.scim('GET', '/Users')).status).toBe(200);
  });

  it('datasets and dataset groups: create, list, get by id or name, 409 duplicates, 404 unknowns, delete', async () => {
    const ds = await run.admin('POST', '/datasets', { name: 'ledger', type: 'structured' });
    expect(ds.status).toBe(201);
    expect(ds.body).toMatchObject({ name: 'ledger', type: 'structured', datasetGroups: [] });
    expectError(await run.admin('POST', '/datasets', { name: 'ledger' }), 409, 'dataset_exists');
    expectError(await run.admin('POST', '/datasets', { name: '' }), 400, 'invalid_request');
    expectError(await run.admin('POST', '/datasets', { name: 'x', type: 'tabular' }), 400, 'invalid_request');
    expectError(await run.admin('POST', '/datasets', { name: 'x', datasetGroups: ['nope'] }), 404, 'dataset_group_not_found');
    expect((await run.admin('GET', '/datasets/x')).status).toBe(404);
    const dg = await run.admin('POST', '/dataset-groups', { name: 'Finance', datasets: ['ledger'] });
    expect(dg.body).toMatchObject({ name: 'Finance', datasets: [{ id: ds.body.id, name: 'ledger' }], matchingScimGroup: null });
    expectError(await run.admin('POST', '/dataset-groups', { name: ' finance' }), 409, 'dataset_group_exists');
    expectError(await run.admin('POST', '/dataset-groups', { name: 'Sales', datasets: ['nope'] }), 404, 'dataset_not_found');
    await run.scim('POST', '/Groups', { displayName: 'FINANCE' });
    expect((await run.admin('GET', '/dataset-groups/finance')).body.matchingScimGroup).toMatchObject({ displayName: 'FINANCE', members: 0 });
    expect((await run.admin('GET', `/datasets/${ds.body.id}`)).body.datasetGroups).toEqual([{ id: dg.body.id, name: 'Finance' }]);
    const renamed = await run.admin('PATCH', `/dataset-groups/${dg.body.id}`, { name: 'Finance EU' });
    expect(renamed.body.name).toBe('Finance EU');
    expect((await run.admin('GET', '/dataset-groups')).body.datasetGroups).toHaveLength(1);
    expect((await run.admin('DELETE', '/datasets/ledger')).status).toBe(204);
    expect((await run.admin('GET', `/dataset-groups/${dg.body.id}`)).body.datasets).toEqual([]);
    expect((await run.admin('DELETE', `/dataset-groups/${dg.body.id}`)).status).toBe(204);
    expect((await run.admin('GET', '/dataset-groups')).body.datasetGroups).toEqual([]);
    expect((await run.admin('GET', '/nothing-here')).status).toBe(404);
  });

  it('manual API keys: create (secret shown once), edit, disable, delete; access follows their grants', async () => {
    await run.admin('POST', '/datasets', { name: 'ledger' });
    const created = await run.admin('POST', '/api-keys', { name: 'batch job', datasets: ['ledger'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'batch job', enabled: true, autoProvisioned: false, user: null, access: [{ name: 'ledger' }] });
    expect(created.body.secretSigningKey).toMatch(/^[\w-]{43}$/);
    const id = created.body.id as string;
    const got = await run.admin('GET', `/api-keys/${id}`);
    expect(got.body.secretSigningKey).toBeUndefined();
    expect((await run.admin('GET', `/api-keys/${created.body.publicValue}`)).body.id).toBe(id);
    expect((await run.admin('GET', `/access?apiKey=${id}&dataset=ledger`)).body).toMatchObject({ allowed: true, reason: 'manual_grant' });
    await run.admin('PATCH', `/api-keys/${id}`, { enabled: false, name: 'batch' });
    expect((await run.admin('GET', `/access?apiKey=${id}&dataset=ledger`)).body).toMatchObject({ allowed: false, reason: 'key_disabled' });
    await run.admin('PATCH', `/api-keys/${id}`, { enabled: true, datasets: [] });
    expect((await run.admin('GET', `/access?apiKey=${id}&dataset=ledger`)).body).toMatchObject({ allowed: false, reason: 'not_granted' });
    expectError(await run.admin('PATCH', `/api-keys/${id}`, { datasets: ['nope'] }), 404, 'dataset_not_found');
    expect((await run.admin('DELETE', `/api-keys/${id}`)).status).toBe(204);
    expectError(await run.admin('GET', `/api-keys/${id}`), 404, 'api_key_not_found');
  });

  it('the access query explains every "no"', async () => {
    await run.admin('POST', '/datasets', { name: 'ledger' });
    await run.admin('POST', '/datasets', { name: 'payroll' });
    const user = (await run.scim('POST', '/Users', { userName: 'alice@example.com' })).body.id as string;
    const key = run.server.store.findApiKeyByUserId(user)!.id;
    const ask = async (apiKey: string, dataset: string) => (await run.admin('GET', `/access?apiKey=${encodeURIComponent(apiKey)}&dataset=${dataset}`)).body.reason;
    expect(await ask('nope', 'ledger')).toBe('key_not_found');
    expect(await ask(key, 'nope')).toBe('dataset_not_found');
    expect(await ask(key, 'ledger')).toBe('no_group_membership');
    await run.scim('POST', '/Groups', { displayName: 'Finance', members: [{ value: user }] });
    expect(await ask(key, 'ledger')).toBe('no_matching_dataset_group');
    await run.admin('POST', '/dataset-groups', { name: 'Finance', datasets: ['payroll'] });
    expect(await ask(key, 'ledger')).toBe('dataset_not_in_matching_dataset_group');
    expect(await ask(key, 'payroll')).toBe('group_membership');
    expectError(await run.admin('GET', '/access?dataset=ledger'), 400, 'invalid_request');
  });
});
