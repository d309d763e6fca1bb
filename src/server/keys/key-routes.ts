import type { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { verifyUbiqRequest } from '../../signing/verify-request.js';
import type { ServerCertificateAuthority } from '../ca.js';
import type { ServerContext, ServerEnv } from '../context.js';
import { keyAccess } from '../provisioning.js';
import type { ApiKeyRecord, DatasetRecord } from '../store/types.js';
import type { ResolvedSsoAndKeyOptions } from '../options.js';
import { readBodyBytes } from '../http-util.js';
import { jsonNoStore, problem } from '../sso/responses.js';
import { createDataKeyVault, DataKeyError } from './data-keys.js';
import { createKeyRequestAuthoriser } from './key-request-auth.js';
import { registerStructuredKeyRoutes } from './structured-routes.js';

const encryptionBodySchema = z.object({
  uses: z.int().min(1).max(1_000_000_000).optional(),
  dataset: z.string().min(1).max(255).optional(),
});
const decryptionBodySchema = z.object({ encrypted_data_key: z.string().min(1).max(4096) });

/**
 * Registers the key endpoints (ARCHITECTURE.md, Key endpoints) at the origin, and `POST /api/v3/tracking/events`.
 *
 * Every key request must (1) carry a valid Ubiq request signature (§2.6) by an API key of this server
 * (401 `invalid_signature` with the reason: missing, malformed, stale `created`, wrong digest, unknown key,
 * bad HMAC), (2) carry a `payload_cert` that this server's CA issued for that same API key and that is
 * within its validity window (401 `invalid_payload_cert`), and (3) use a dataset the key may use now
 * (403 `dataset_access_denied`, naming the dataset and why).
 *
 * How an encryption request names its dataset. The official client sends only `{uses, payload_cert}`,
 * yet an auto-provisioned key may use several datasets. So:
 * - a `dataset` field in the JSON body (or `?dataset=` in the query) names it explicitly;
 * - without one, when the key may use exactly one unstructured dataset, that one is used (what the
 *   official client needs: one user, one dataset);
 * - when it may use none, 403 `no_dataset_access`; when it may use several, 400 `dataset_required`
 *   listing their names, so the caller knows what to send.
 * A decryption request needs no dataset: the `encrypted_data_key` names the dataset it was issued for,
 * and the caller's key must still have access to that dataset (access follows SCIM group changes at once).
 */
export function registerKeyRoutes(
  app: Hono<ServerEnv>,
  ctx: ServerContext,
  options: ResolvedSsoAndKeyOptions,
  ca: () => Promise<ServerCertificateAuthority>,
): { trackingEvents: () => number } {
  // One secret for the unstructured datasets' master keys and the structured datasets' data keys.
  const masterSecret = options.dataKeyMasterSecret ?? randomBytes(32);
  const vault = createDataKeyVault({ masterSecret });
  let trackingEvents = 0;

  const authorise = createKeyRequestAuthoriser(ctx, options, ca);
  registerStructuredKeyRoutes(app, ctx, authorise, masterSecret);

  const chooseDataset = (key: ApiKeyRecord, named: string | undefined): DatasetRecord | Response => {
    if (named !== undefined) {
      // One lookup, by name: access is decided for the record whose key is issued (a name is never read as an id).
      const dataset = ctx.store.findDatasetByName(named);
      if (dataset === undefined) return authorise.unknownDataset(key, named);
      if (dataset.type !== 'unstructured') {
        return problem(400, 'dataset_type_mismatch', `Dataset "${named}" is ${dataset.type}; this endpoint serves unstructured datasets.`, { dataset: named });
      }
      return authorise.denyUnlessAllowed(key, dataset) ?? dataset;
    }
    const usable = [...keyAccess(ctx.store, key)]
      .map((id) => ctx.store.getDataset(id))
      .filter((dataset): dataset is DatasetRecord => dataset !== undefined && dataset.type === 'unstructured');
    if (usable.length === 1) return usable[0] as DatasetRecord;
    if (usable.length === 0) {
      return problem(403, 'no_dataset_access', `API key "${key.name}" may not use any unstructured dataset.`, {
        hint: 'Add the user to a SCIM group whose name matches a Dataset Group that contains an unstructured dataset.',
      });
    }
    return problem(400, 'dataset_required', `API key "${key.name}" may use ${usable.length} unstructured datasets: name one with "dataset" in the body or the query.`, {
      datasets: usable.map((dataset) => dataset.name).sort(),
    });
  };

  app.post('/api/v0/encryption/key', async (c) => {
    const caller = await authorise(c.req.raw);
    if (caller instanceof Response) return caller;
    const body = encryptionBodySchema.safeParse(caller.body);
    if (!body.success) return problem(400, 'invalid_request', 'uses must be a positive integer and dataset a name.', { reason: 'invalid_body' });
    const named = body.data.dataset ?? new URL(c.req.url).searchParams.get('dataset') ?? undefined;
    const dataset = chooseDataset(caller.key, named);
    if (dataset instanceof Response) return dataset;
    const fields = vault.issue(dataset.name, caller.recipient, body.data.uses ?? 1);
    // In IdP mode the client holds its private key and replaces this field with its own (ARCHITECTURE.md, SSO exchange step 4).
    return jsonNoStore(201, { encrypted_private_key: '', ...fields });
  });

  app.post('/api/v0/decryption/key', async (c) => {
    const caller = await authorise(c.req.raw);
    if (caller instanceof Response) return caller;
    const body = decryptionBodySchema.safeParse(caller.body);
    if (!body.success) return problem(400, 'invalid_request', 'The body must carry encrypted_data_key.', { reason: 'missing_encrypted_data_key' });
    let datasetName: string;
    try {
      datasetName = vault.datasetOf(body.data.encrypted_data_key);
    } catch (error) {
      if (error instanceof DataKeyError) return problem(400, 'invalid_encrypted_data_key', error.message);
      throw error;
    }
    const dataset = ctx.store.findDatasetByName(datasetName);
    if (dataset === undefined) return authorise.unknownDataset(caller.key, datasetName);
    const refusal = authorise.denyUnlessAllowed(caller.key, dataset);
    if (refusal !== undefined) return refusal;
    let fields: ReturnType<typeof vault.rewrap>;
    try {
      fields = vault.rewrap(body.data.encrypted_data_key, caller.recipient);
    } catch (error) {
      if (error instanceof DataKeyError) return problem(400, 'invalid_encrypted_data_key', error.message);
      throw error;
    }
    const { dataset: _dataset, ...response } = fields;
    return jsonNoStore(200, { encrypted_private_key: '', ...response });
  });

  app.post('/api/v3/tracking/events', async (c) => {
    const bytes = await readBodyBytes(c.req.raw, ctx.options.bodyLimitBytes);
    if (bytes === undefined) return problem(413, 'body_too_large', `The request body is larger than ${ctx.options.bodyLimitBytes} bytes.`);
    const verification = verifyUbiqRequest({
      method: 'POST',
      url: c.req.url,
      headers: c.req.raw.headers,
      body: bytes,
      lookupSigningKey: (accessKeyId) => ctx.store.findApiKeyByAccessKeyId(accessKeyId)?.secretSigningKey,
      now: ctx.now(),
      maxSkewSeconds: options.signatureMaxSkewSeconds,
    });
    if (!verification.ok) return problem(401, 'invalid_signature', verification.message, { reason: verification.code });
    let usage: unknown;
    try {
      usage = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { usage?: unknown }).usage;
    } catch {
      return problem(400, 'invalid_request', 'The body is not JSON.', { reason: 'invalid_json' });
    }
    trackingEvents += Array.isArray(usage) ? usage.length : 0;
    return jsonNoStore(200, {});
  });

  return { trackingEvents: () => trackingEvents };
}
