// The structured (format-preserving) key endpoints, as the official clients call them:
//   GET /api/v0/ffs?papi=…&ffs_name=…                              → the dataset definition
//   GET /api/v0/fpe/key?papi=…&ffs_name=…[&key_number=n]&payload_cert=…  → one data key, wrapped
//   GET /api/v0/fpe/def_keys?papi=…[&ffs_name=a,b]&payload_cert=…  → definitions and every key of several datasets
// All are signed like the unstructured endpoints; `papi` must be the signing key's id. The clients append
// `payload_cert` to the query of the two key requests (not to /ffs, whose answer holds no key).
import { constants, hkdfSync, publicEncrypt, type KeyObject } from 'node:crypto';
import type { Hono } from 'hono';
import type { ServerContext } from '../context.js';
import type { ServerEnv } from '../context.js';
import { keyAccess } from '../provisioning.js';
import type { ApiKeyRecord, DatasetRecord, StructuredDataset } from '../store/types.js';
import { jsonNoStore, problem } from '../sso/responses.js';
import type { AuthorisedCaller, KeyRequestAuthoriser } from './key-request-auth.js';
import { renderFfs } from './structured-definition.js';

type StructuredRecord = DatasetRecord & { structured: StructuredDataset };

/** The most datasets one `def_keys` request may name. */
const MAX_DEF_KEYS_DATASETS = 100;

/**
 * Registers the three structured endpoints. Data keys are not stored: key number `n` of a dataset is
 * HKDF-SHA256(master secret, `ubiq-idp/structured-data-key/v1/{dataset id}/{n}`), 32 bytes, so a server
 * restarted with the same `dataKeyMasterSecret` and dataset records answers with the same keys. Each key is
 * wrapped to the caller's certificate key with RSA-OAEP (SHA-1), which is how the official clients unwrap it
 * (node-forge `decrypt(…, 'RSA-OAEP')`). `encrypted_private_key` is empty: in IdP mode the client holds its
 * own private key and uses it instead.
 */
export function registerStructuredKeyRoutes(app: Hono<ServerEnv>, ctx: ServerContext, authorise: KeyRequestAuthoriser, masterSecret: Uint8Array): void {
  const dataKey = (dataset: DatasetRecord, keyNumber: number): Buffer =>
    Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), `ubiq-idp/structured-data-key/v1/${dataset.id}/${keyNumber}`, 32));
  const wrap = (key: Buffer, recipient: KeyObject) =>
    publicEncrypt({ key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64');

  /** `papi` must name the key that signed the request (the clients always send it). */
  const papiMismatch = (url: URL, key: ApiKeyRecord): Response | undefined => {
    const papi = url.searchParams.get('papi');
    if (papi === null || papi === '') return problem(400, 'invalid_request', 'The query has no papi (the API key id).', { reason: 'missing_papi' });
    return papi === key.accessKeyId
      ? undefined
      : problem(401, 'invalid_signature', 'papi names another API key than the one that signed the request.', { reason: 'papi_mismatch' });
  };

  /** One lookup, by name; then type and access of that record. */
  const structuredDataset = (key: ApiKeyRecord, name: string): StructuredRecord | Response => {
    const dataset = ctx.store.findDatasetByName(name);
    if (dataset === undefined) return authorise.unknownDataset(key, name);
    if (dataset.type !== 'structured' || dataset.structured === undefined) {
      return problem(400, 'dataset_type_mismatch', `Dataset "${name}" is ${dataset.type}; this endpoint serves structured datasets.`, { dataset: name });
    }
    return authorise.denyUnlessAllowed(key, dataset) ?? (dataset as StructuredRecord);
  };

  const named = (url: URL): string | Response => {
    const name = url.searchParams.get('ffs_name');
    if (name === null || name === '') return problem(400, 'invalid_request', 'The query has no ffs_name (the dataset name).', { reason: 'missing_ffs_name' });
    return name;
  };

  const prepare = async <R extends KeyObject | undefined>(
    request: Request,
    check: (request: Request) => Promise<AuthorisedCaller<R> | Response>,
  ): Promise<{ caller: AuthorisedCaller<R>; url: URL } | Response> => {
    const caller = await check(request);
    if (caller instanceof Response) return caller;
    const url = new URL(request.url);
    return papiMismatch(url, caller.key) ?? { caller, url };
  };

  app.get('/api/v0/ffs', async (c) => {
    const ready = await prepare(c.req.raw, authorise.certificateOptional);
    if (ready instanceof Response) return ready;
    const name = named(ready.url);
    if (name instanceof Response) return name;
    const dataset = structuredDataset(ready.caller.key, name);
    if (dataset instanceof Response) return dataset;
    return jsonNoStore(200, renderFfs(dataset.name, dataset.structured));
  });

  app.get('/api/v0/fpe/key', async (c) => {
    const ready = await prepare(c.req.raw, authorise);
    if (ready instanceof Response) return ready;
    const name = named(ready.url);
    if (name instanceof Response) return name;
    const dataset = structuredDataset(ready.caller.key, name);
    if (dataset instanceof Response) return dataset;
    const requested = ready.url.searchParams.get('key_number');
    let keyNumber = dataset.structured.currentKeyNumber;
    if (requested !== null) {
      if (!/^\d{1,3}$/.test(requested) || Number(requested) > dataset.structured.currentKeyNumber) {
        return problem(404, 'key_not_found', `Dataset "${dataset.name}" has no key number ${JSON.stringify(requested.slice(0, 20))}; its keys are 0 to ${dataset.structured.currentKeyNumber}.`, {
          dataset: dataset.name,
          reason: 'unknown_key_number',
        });
      }
      keyNumber = Number(requested);
    }
    return jsonNoStore(200, { encrypted_private_key: '', key_number: keyNumber, wrapped_data_key: wrap(dataKey(dataset, keyNumber), ready.caller.recipient) });
  });

  app.get('/api/v0/fpe/def_keys', async (c) => {
    const ready = await prepare(c.req.raw, authorise);
    if (ready instanceof Response) return ready;
    const { key, recipient } = ready.caller;
    const list = ready.url.searchParams.get('ffs_name');
    let datasets: StructuredRecord[];
    if (list === null || list === '') {
      // No names: every structured dataset this key may use now.
      datasets = [...keyAccess(ctx.store, key)]
        .map((id) => ctx.store.getDataset(id))
        .filter((dataset): dataset is StructuredRecord => dataset?.type === 'structured' && dataset.structured !== undefined);
    } else {
      const names = [...new Set(list.split(','))];
      if (names.length > MAX_DEF_KEYS_DATASETS) {
        return problem(400, 'invalid_request', `ffs_name names ${names.length} datasets; at most ${MAX_DEF_KEYS_DATASETS} per request.`, { reason: 'too_many_datasets' });
      }
      datasets = [];
      // All or nothing: one dataset the key may not use refuses the request, naming that dataset.
      for (const name of names) {
        const dataset = structuredDataset(key, name);
        if (dataset instanceof Response) return dataset;
        datasets.push(dataset);
      }
    }
    const answer: Record<string, unknown> = {};
    for (const dataset of datasets) {
      const keys: string[] = [];
      for (let n = 0; n <= dataset.structured.currentKeyNumber; n += 1) keys.push(wrap(dataKey(dataset, n), recipient));
      answer[dataset.name] = {
        ffs: renderFfs(dataset.name, dataset.structured),
        encrypted_private_key: '',
        current_key_number: dataset.structured.currentKeyNumber,
        keys,
      };
    }
    return jsonNoStore(200, answer);
  });
}
