import type { Hono } from 'hono';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { verifyUbiqRequest } from '../../signing/verify-request.js';
import type { ServerCertificateAuthority } from '../ca.js';
import { isPayloadCertError } from '../ca-errors.js';
import type { ServerContext, ServerEnv } from '../context.js';
import { explainAccess, keyAccess } from '../provisioning.js';
import type { ApiKeyRecord, DatasetRecord } from '../store/types.js';
import type { ResolvedSsoAndKeyOptions } from '../options.js';
import { readBodyBytes } from '../http-util.js';
import { jsonNoStore, problem } from '../sso/responses.js';
import { createDataKeyVault, DataKeyError } from './data-keys.js';
import { readPayloadCert } from './payload-cert.js';

const encryptionBodySchema = z.object({
  uses: z.int().min(1).max(1_000_000_000).optional(),
  dataset: z.string().min(1).max(255).optional(),
});
const decryptionBodySchema = z.object({ encrypted_data_key: z.string().min(1).max(4096) });

/** What a key request proved about its caller. */
interface AuthorisedCaller {
  key: ApiKeyRecord;
  body: Record<string, unknown>;
  recipient: KeyObject;
}

/**
 * Registers the key endpoints of DESIGN §2.7 at the origin, and `POST /api/v3/tracking/events`.
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
  const vault = createDataKeyVault(options.dataKeyMasterSecret === undefined ? {} : { masterSecret: options.dataKeyMasterSecret });
  let trackingEvents = 0;

  /** Signature, then body, then certificate, then key state. Returns the caller or a refusal. */
  const authorise = async (request: Request): Promise<AuthorisedCaller | Response> => {
    const bytes = await readBodyBytes(request, ctx.options.bodyLimitBytes);
    if (bytes === undefined) return problem(413, 'body_too_large', `The request body is larger than ${ctx.options.bodyLimitBytes} bytes.`);
    const verification = verifyUbiqRequest({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: bytes,
      // Disabled keys still authenticate, so that a refusal can say "disabled" (403) rather than "unknown" (401).
      lookupSigningKey: (accessKeyId) => ctx.store.findApiKeyByAccessKeyId(accessKeyId)?.secretSigningKey,
      now: ctx.now(),
      maxSkewSeconds: options.signatureMaxSkewSeconds,
    });
    if (!verification.ok) {
      return problem(401, 'invalid_signature', verification.message, {
        reason: verification.code,
        hint: 'Sign the request with the public_value/signing_value returned by the SSO endpoint (DESIGN §2.6), with a current clock.',
      });
    }
    const key = ctx.store.findApiKeyByAccessKeyId(verification.accessKeyId);
    if (key === undefined) return problem(401, 'invalid_signature', 'The API key no longer exists.', { reason: 'unknown_key' });

    let body: Record<string, unknown> = {};
    if (bytes.byteLength > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        return problem(400, 'invalid_request', 'The body is not JSON.', { reason: 'invalid_json' });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return problem(400, 'invalid_request', 'The body must be a JSON object.', { reason: 'invalid_json' });
      }
      body = parsed as Record<string, unknown>;
    }

    const read = readPayloadCert(body, new URL(request.url));
    if (!read.ok) {
      return problem(401, 'invalid_payload_cert', read.reason === 'missing' ? 'The request has no payload_cert.' : 'payload_cert is not base64 of a PEM certificate.', {
        reason: read.reason,
        hint: 'Send payload_cert = base64 of the api_cert PEM returned by the SSO endpoint.',
      });
    }
    const authority = await ca();
    let recipient: KeyObject;
    try {
      ({ publicKey: recipient } = await authority.checkPayloadCert(read.pem, key.accessKeyId, ctx.now()));
    } catch (error) {
      if (isPayloadCertError(error)) {
        return problem(401, 'invalid_payload_cert', error.message, { reason: error.reason, ...(error.hint ? { hint: error.hint } : {}) });
      }
      throw error;
    }
    if (!key.enabled) {
      return problem(403, 'api_key_disabled', `API key "${key.name}" is disabled.`, { reason: 'api_key_disabled' });
    }
    return { key, body, recipient };
  };

  const denied = (key: ApiKeyRecord, dataset: string) => {
    const decision = explainAccess(ctx.store, key.id, dataset);
    return problem(403, 'dataset_access_denied', `API key "${key.name}" may not use dataset "${dataset}": ${decision.message}`, {
      dataset,
      reason: decision.reason,
      hint: 'Access comes from membership of a SCIM group whose name matches a Dataset Group containing the dataset.',
    });
  };

  const chooseDataset = (key: ApiKeyRecord, named: string | undefined): DatasetRecord | Response => {
    if (named !== undefined) {
      const dataset = ctx.store.findDatasetByName(named);
      if (dataset !== undefined && dataset.type !== 'unstructured') {
        return problem(400, 'dataset_type_mismatch', `Dataset "${named}" is ${dataset.type}; this endpoint serves unstructured datasets.`, { dataset: named });
      }
      const decision = explainAccess(ctx.store, key.id, named);
      if (!decision.allowed || dataset === undefined) return denied(key, named);
      return dataset;
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
    // In IdP mode the client holds its private key and replaces this field with its own (DESIGN §2.5 step 4).
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
    if (!explainAccess(ctx.store, caller.key.id, datasetName).allowed) return denied(caller.key, datasetName);
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
