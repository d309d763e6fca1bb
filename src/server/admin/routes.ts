// The admin API (`{origin}/{customer_id}/api/admin`): the "Ubiq UI" stand-in. Bearer admin token; bodies
// validated with zod; errors as `{ code, message }` JSON. Every change that affects access tells the
// provisioning engine in the same synchronous step.
import { randomBytes } from 'node:crypto';
import { newId } from '../ids.js';
import { createApiKeyRecord } from '../store/api-key.js';
import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import type { ServerContext, ServerEnv } from '../context.js';
import { bearerMatches, readJsonBody } from '../http-util.js';
import { explainAccess, keyAccess } from '../provisioning.js';
import { createStructuredDataset, structuredDefinitionProblem, structuredInputSchema } from '../keys/structured-definition.js';
import type { ApiKeyRecord, DatasetGroupRecord, DatasetRecord, StructuredDataset } from '../store/types.js';
import { AdminError } from './errors.js';
import {
  accessQuerySchema,
  apiKeyCreateSchema,
  apiKeyPatchSchema,
  datasetCreateSchema,
  datasetGroupCreateSchema,
  datasetGroupPatchSchema,
  idpPatchSchema,
} from './schemas.js';

type Handler = (c: Context) => Response | Promise<Response>;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

export function registerAdminRoutes(app: Hono<ServerEnv>, ctx: ServerContext): void {
  const base = `/${ctx.options.customerId}/api/admin`;
  const { store, engine } = ctx;
  const authed = (handler: Handler) => (c: Context) => {
    if (!bearerMatches(c.req.header('authorization'), ctx.settings.adminToken))
      throw new AdminError(401, 'admin_unauthorized', 'Missing or invalid admin bearer token.', 'Use the adminToken shown by the server\'s info().');
    return handler(c);
  };

  async function body<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
    const type = c.req.header('content-type');
    if (type && !/^application\/json\s*(;|$)/i.test(type)) throw new AdminError(415, 'unsupported_media_type', 'Send the request body as application/json.');
    const read = await readJsonBody(c.req.raw, ctx.options.bodyLimitBytes);
    let value: unknown = {};
    if (!read.ok) {
      if (read.failure.kind === 'too_large') throw new AdminError(413, 'body_too_large', `The request body is larger than ${read.failure.limit} bytes.`);
      if (read.failure.kind === 'invalid_json') throw new AdminError(400, 'invalid_json', `The request body is not valid JSON: ${read.failure.message}.`);
    } else value = read.value;
    return validate(schema, value);
  }
  function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join('.') : 'body';
      throw new AdminError(400, 'invalid_request', `${where}: ${issue?.message ?? 'invalid'}.`);
    }
    return parsed.data;
  }

  const datasetByRef = (ref: string): DatasetRecord => {
    const dataset = store.getDataset(ref) ?? store.findDatasetByName(ref);
    if (!dataset) throw new AdminError(404, 'dataset_not_found', `No dataset "${ref.slice(0, 200)}".`);
    return dataset;
  };
  const structuredByRef = (ref: string): DatasetRecord => {
    const dataset = datasetByRef(ref);
    if (dataset.structured === undefined) throw new AdminError(400, 'dataset_type_mismatch', `Dataset "${dataset.name}" is unstructured; only structured datasets have key numbers.`);
    return dataset;
  };
  const renderStructured = (s: StructuredDataset) => ({
    inputCharacterSet: s.definition.input_character_set,
    outputCharacterSet: s.definition.output_character_set,
    passthrough: s.definition.passthrough,
    minInputLength: s.definition.min_input_length,
    maxInputLength: s.definition.max_input_length,
    algorithm: s.definition.encryption_algorithm,
    msbEncodingBits: s.definition.msb_encoding_bits,
    currentKeyNumber: s.currentKeyNumber,
    maxKeyNumber: s.maxKeyNumber,
  });
  const renderKeys = (d: DatasetRecord) => ({
    dataset: { id: d.id, name: d.name },
    currentKeyNumber: d.structured?.currentKeyNumber ?? 0,
    keyNumbers: Array.from({ length: (d.structured?.currentKeyNumber ?? 0) + 1 }, (_, n) => n),
    maxKeyNumber: d.structured?.maxKeyNumber ?? 0,
  });
  const datasetGroupByRef = (ref: string): DatasetGroupRecord => {
    const group = store.getDatasetGroup(ref) ?? store.findDatasetGroupByName(ref);
    if (!group) throw new AdminError(404, 'dataset_group_not_found', `No dataset group "${ref.slice(0, 200)}".`);
    return group;
  };
  const apiKeyById = (id: string): ApiKeyRecord => {
    const key = store.getApiKey(id) ?? store.findApiKeyByAccessKeyId(id);
    if (!key) throw new AdminError(404, 'api_key_not_found', `No API key "${id.slice(0, 200)}".`);
    return key;
  };
  const readOnlyKey = (key: ApiKeyRecord) =>
    new AdminError(
      409,
      'api_key_auto_provisioned',
      `API key "${key.name}" is auto-provisioned from SCIM user ${key.userId ?? ''} and cannot be edited here; change the user or its groups in the IdP (or the dataset groups here) instead.`,
      'Ubiq\'s IdP integration guides: "The editing of auto-provisioned API Keys will be disabled in the UI".',
    );

  const renderDataset = (d: DatasetRecord) => ({
    id: d.id,
    name: d.name,
    type: d.type,
    created: d.created.toISOString(),
    datasetGroups: [...store.listDatasetGroups()].filter((g) => g.datasetIds.has(d.id)).map((g) => ({ id: g.id, name: g.name })),
    ...(d.structured === undefined ? {} : { structured: renderStructured(d.structured) }),
  });
  const renderDatasetGroup = (g: DatasetGroupRecord) => {
    const matching = store.findGroupByDisplayName(g.name);
    return {
      id: g.id,
      name: g.name,
      created: g.created.toISOString(),
      datasets: [...g.datasetIds].map((id) => store.getDataset(id)).filter((d) => d !== undefined).map((d) => ({ id: d.id, name: d.name })),
      matchingScimGroup: matching ? { id: matching.id, displayName: matching.displayName, members: matching.members.size } : null,
    };
  };
  const renderKey = (k: ApiKeyRecord) => {
    const user = k.userId === undefined ? undefined : store.getUser(k.userId);
    return {
      id: k.id,
      name: k.name,
      publicValue: k.accessKeyId,
      enabled: k.enabled,
      autoProvisioned: k.autoProvisioned,
      user: user ? { id: user.id, userName: user.userName, active: user.active } : null,
      access: [...keyAccess(store, k)].map((id) => store.getDataset(id)).filter((d) => d !== undefined).map((d) => ({ id: d.id, name: d.name })),
      created: k.created.toISOString(),
    };
  };
  const renderIdp = () => ({ ...ctx.settings.idp, allowedClientIds: [...ctx.settings.idp.allowedClientIds] });

  /** Recompute the keys of the SCIM group matching a dataset group name (old and new names on rename). */
  const datasetGroupChanged = (...names: string[]) => engine.usersOfGroupsNamed(names);

  const r = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, handler: Handler) => app[method](`${base}${path}`, authed(handler));

  // IdP settings and SCIM secret token: the "IDP Settings window".
  r('get', '/settings', () => json(200, { customerId: ctx.options.customerId, scimUrl: ctx.scimBaseUrl(), idp: renderIdp() }));
  r('get', '/idp', () => json(200, renderIdp()));
  r('patch', '/idp', async (c) => {
    const patch = await body(c, idpPatchSchema);
    const idp = ctx.settings.idp;
    if (patch.enabled !== undefined) idp.enabled = patch.enabled;
    if (patch.discoveryUrl !== undefined) idp.discoveryUrl = patch.discoveryUrl ?? undefined;
    if (patch.issuer !== undefined) idp.issuer = patch.issuer ?? undefined;
    if (patch.audience !== undefined) idp.audience = patch.audience ?? undefined;
    if (patch.usernameClaim !== undefined) idp.usernameClaim = patch.usernameClaim ?? undefined;
    if (patch.allowedClientIds !== undefined) idp.allowedClientIds = [...new Set(patch.allowedClientIds)];
    if (patch.requiredScope !== undefined) idp.requiredScope = patch.requiredScope ?? undefined;
    if (patch.externalIdClaim !== undefined) idp.externalIdClaim = patch.externalIdClaim ?? undefined;
    ctx.logger.info?.('admin: IdP settings changed', { fields: Object.keys(patch) });
    return json(200, renderIdp());
  });
  r('get', '/scim', () => json(200, { scimUrl: ctx.scimBaseUrl(), secretToken: ctx.settings.scimToken }));
  r('post', '/scim/token', () => {
    // Rotation takes effect at once: the next SCIM request with the old token gets 401.
    ctx.settings.scimToken = randomBytes(48).toString('base64url');
    ctx.logger.info?.('admin: SCIM secret token rotated');
    return json(200, { scimUrl: ctx.scimBaseUrl(), secretToken: ctx.settings.scimToken });
  });

  // Datasets.
  r('get', '/datasets', () => json(200, { datasets: [...store.listDatasets()].map(renderDataset) }));
  r('get', '/datasets/:id', (c) => json(200, renderDataset(datasetByRef(c.req.param('id') ?? ''))));
  r('post', '/datasets', async (c) => {
    const input = await body(c, datasetCreateSchema);
    if (store.findDatasetByName(input.name)) throw new AdminError(409, 'dataset_exists', `A dataset named "${input.name}" already exists.`);
    const groups = input.datasetGroups.map(datasetGroupByRef);
    let structured: StructuredDataset | undefined;
    if (input.type === 'structured') {
      const definition = structuredInputSchema.parse(input.structured ?? {});
      const problem = structuredDefinitionProblem(definition);
      if (problem !== undefined) throw new AdminError(400, 'invalid_request', `${problem}.`);
      structured = createStructuredDataset(definition);
    }
    const dataset: DatasetRecord = { id: newId(), name: input.name, type: input.type, created: ctx.now(), ...(structured === undefined ? {} : { structured }) };
    store.putDataset(dataset);
    for (const g of groups) g.datasetIds.add(dataset.id);
    datasetGroupChanged(...groups.map((g) => g.name));
    return json(201, renderDataset(dataset));
  });
  // Structured datasets' keys: encryption uses the current key number; every earlier one still decrypts.
  r('get', '/datasets/:id/keys', (c) => json(200, renderKeys(structuredByRef(c.req.param('id') ?? ''))));
  r('post', '/datasets/:id/keys/rotate', (c) => {
    const dataset = structuredByRef(c.req.param('id') ?? '');
    const state = dataset.structured!;
    if (state.currentKeyNumber >= state.maxKeyNumber) {
      throw new AdminError(
        409,
        'key_numbers_exhausted',
        `Dataset "${dataset.name}" is at key number ${state.currentKeyNumber}, the largest its output character set can encode.`,
        'Create a new structured dataset with a larger output character set.',
      );
    }
    state.currentKeyNumber += 1;
    ctx.logger.info?.('admin: structured dataset key rotated', { dataset: dataset.name, keyNumber: state.currentKeyNumber });
    return json(200, renderKeys(dataset));
  });
  r('delete', '/datasets/:id', (c) => {
    const dataset = datasetByRef(c.req.param('id') ?? '');
    const names = [...store.listDatasetGroups()].filter((g) => g.datasetIds.has(dataset.id)).map((g) => g.name);
    store.deleteDataset(dataset.id);
    datasetGroupChanged(...names);
    return new Response(null, { status: 204 });
  });

  // Dataset groups.
  r('get', '/dataset-groups', () => json(200, { datasetGroups: [...store.listDatasetGroups()].map(renderDatasetGroup) }));
  r('get', '/dataset-groups/:id', (c) => json(200, renderDatasetGroup(datasetGroupByRef(c.req.param('id') ?? ''))));
  r('post', '/dataset-groups', async (c) => {
    const input = await body(c, datasetGroupCreateSchema);
    const existing = store.findDatasetGroupByName(input.name);
    if (existing) throw new AdminError(409, 'dataset_group_exists', `A dataset group named "${existing.name}" already exists (names are compared ignoring case and extra whitespace).`);
    const datasets = input.datasets.map(datasetByRef);
    const group: DatasetGroupRecord = { id: newId(), name: input.name, datasetIds: new Set(datasets.map((d) => d.id)), created: ctx.now() };
    store.putDatasetGroup(group);
    datasetGroupChanged(group.name);
    return json(201, renderDatasetGroup(group));
  });
  r('patch', '/dataset-groups/:id', async (c) => {
    const group = datasetGroupByRef(c.req.param('id') ?? '');
    const input = await body(c, datasetGroupPatchSchema);
    if (input.name !== undefined && input.name !== group.name) {
      const clash = store.findDatasetGroupByName(input.name);
      if (clash && clash.id !== group.id) throw new AdminError(409, 'dataset_group_exists', `A dataset group named "${clash.name}" already exists.`);
      const oldName = group.name;
      store.putDatasetGroup({ ...group, name: input.name });
      datasetGroupChanged(oldName, input.name);
    }
    return json(200, renderDatasetGroup(store.getDatasetGroup(group.id)!));
  });
  r('delete', '/dataset-groups/:id', (c) => {
    const group = datasetGroupByRef(c.req.param('id') ?? '');
    store.deleteDatasetGroup(group.id);
    datasetGroupChanged(group.name);
    return new Response(null, { status: 204 });
  });
  // Dataset → dataset group assignment.
  r('put', '/dataset-groups/:id/datasets/:datasetId', (c) => {
    const group = datasetGroupByRef(c.req.param('id') ?? '');
    const dataset = datasetByRef(c.req.param('datasetId') ?? '');
    group.datasetIds.add(dataset.id);
    datasetGroupChanged(group.name);
    return json(200, renderDatasetGroup(group));
  });
  r('delete', '/dataset-groups/:id/datasets/:datasetId', (c) => {
    const group = datasetGroupByRef(c.req.param('id') ?? '');
    const dataset = datasetByRef(c.req.param('datasetId') ?? '');
    group.datasetIds.delete(dataset.id);
    datasetGroupChanged(group.name);
    return json(200, renderDatasetGroup(group));
  });

  // API keys.
  r('get', '/api-keys', () => json(200, { apiKeys: [...store.listApiKeys()].map(renderKey) }));
  r('get', '/api-keys/:id', (c) => json(200, renderKey(apiKeyById(c.req.param('id') ?? ''))));
  r('post', '/api-keys', async (c) => {
    const input = await body(c, apiKeyCreateSchema);
    const datasets = input.datasets.map(datasetByRef);
    const key = createApiKeyRecord({
      name: input.name,
      enabled: input.enabled,
      autoProvisioned: false,
      userId: undefined,
      manualDatasetIds: new Set(datasets.map((d) => d.id)),
      created: ctx.now(),
    });
    store.putApiKey(key);
    // Like the Ubiq UI, the signing secret is shown once, at creation.
    return json(201, { ...renderKey(key), secretSigningKey: key.secretSigningKey });
  });
  r('patch', '/api-keys/:id', async (c) => {
    const key = apiKeyById(c.req.param('id') ?? '');
    if (key.autoProvisioned) throw readOnlyKey(key);
    const input = await body(c, apiKeyPatchSchema);
    const datasets = input.datasets?.map(datasetByRef);
    if (input.name !== undefined) key.name = input.name;
    if (input.enabled !== undefined) key.enabled = input.enabled;
    if (datasets) key.manualDatasetIds = new Set(datasets.map((d) => d.id));
    return json(200, renderKey(key));
  });
  r('delete', '/api-keys/:id', (c) => {
    const key = apiKeyById(c.req.param('id') ?? '');
    if (key.autoProvisioned) throw readOnlyKey(key);
    store.deleteApiKey(key.id);
    return new Response(null, { status: 204 });
  });

  // "Can key K use dataset D, and why not?"
  r('get', '/access', (c) => {
    const query = validate(accessQuerySchema, c.req.query());
    return json(200, explainAccess(store, query.apiKey, query.dataset));
  });
}
