// The checks every key request passes before a key is issued, shared by the unstructured endpoints
// (`POST /api/v0/encryption/key`, `/decryption/key`) and the structured ones (`GET /api/v0/ffs`,
// `/fpe/key`, `/fpe/def_keys`): request signature, JSON body, payload certificate, key state, and the
// dataset access decision for one dataset record.
import type { KeyObject } from 'node:crypto';
import { verifyUbiqRequest } from '../../signing/verify-request.js';
import type { ServerCertificateAuthority } from '../ca.js';
import { isPayloadCertError } from '../ca-errors.js';
import type { ServerContext } from '../context.js';
import { readBodyBytes } from '../http-util.js';
import { explainDatasetAccess } from '../provisioning.js';
import type { ApiKeyRecord, DatasetRecord } from '../store/types.js';
import type { ResolvedSsoAndKeyOptions } from '../options.js';
import { problem } from '../sso/responses.js';
import { readPayloadCert } from './payload-cert.js';

/** What a key request proved about its caller. `recipient` is undefined only when the certificate was optional and absent. */
export interface AuthorisedCaller<Recipient extends KeyObject | undefined = KeyObject> {
  key: ApiKeyRecord;
  body: Record<string, unknown>;
  recipient: Recipient;
}

/** Checks a key request; see {@link createKeyRequestAuthoriser}. */
export interface KeyRequestAuthoriser {
  /** Signature, then body, then certificate (required), then key state. Returns the caller or a refusal. */
  (request: Request): Promise<AuthorisedCaller | Response>;
  /**
   * The same, for a request that carries no key material in its answer (`GET /api/v0/ffs`, which the
   * official client sends without `payload_cert`): a certificate that is sent must still be valid and
   * this key's, but none is required.
   */
  certificateOptional: (request: Request) => Promise<AuthorisedCaller<KeyObject | undefined> | Response>;
  /** 403 `dataset_access_denied` naming the dataset, or undefined when the key may use it. */
  denyUnlessAllowed(key: ApiKeyRecord, dataset: DatasetRecord): Response | undefined;
  /** 403 for a dataset name that names no dataset (the same refusal as no access, with its reason). */
  unknownDataset(key: ApiKeyRecord, name: string): Response;
}

/**
 * Creates the shared checks. Every key request must (1) carry a valid Ubiq request signature by an API key
 * of this server (401 `invalid_signature` with the reason: missing, malformed, stale `created`, wrong
 * digest, unknown key, bad HMAC), (2) carry a `payload_cert` that this server's CA issued for that same API
 * key and that is within its validity window (401 `invalid_payload_cert`), and (3) use a dataset the key may
 * use now (403 `dataset_access_denied`, naming the dataset and why).
 */
export function createKeyRequestAuthoriser(
  ctx: ServerContext,
  options: ResolvedSsoAndKeyOptions,
  ca: () => Promise<ServerCertificateAuthority>,
): KeyRequestAuthoriser {
  const check = async (request: Request, certificateRequired: boolean): Promise<AuthorisedCaller<KeyObject | undefined> | Response> => {
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
        hint: 'Sign the request with the public_value/signing_value returned by the SSO endpoint, with a current clock.',
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
    let recipient: KeyObject | undefined;
    if (read.ok || read.reason !== 'missing' || certificateRequired) {
      if (!read.ok) {
        return problem(401, 'invalid_payload_cert', read.reason === 'missing' ? 'The request has no payload_cert.' : 'payload_cert is not base64 of a PEM certificate.', {
          reason: read.reason,
          hint: 'Send payload_cert = base64 of the api_cert PEM returned by the SSO endpoint.',
        });
      }
      const authority = await ca();
      try {
        ({ publicKey: recipient } = await authority.checkPayloadCert(read.pem, key.accessKeyId, ctx.now()));
      } catch (error) {
        if (isPayloadCertError(error)) {
          return problem(401, 'invalid_payload_cert', error.message, { reason: error.reason, ...(error.hint ? { hint: error.hint } : {}) });
        }
        throw error;
      }
    }
    if (!key.enabled) {
      return problem(403, 'api_key_disabled', `API key "${key.name}" is disabled.`, { reason: 'api_key_disabled' });
    }
    return { key, body, recipient };
  };

  const denied = (key: ApiKeyRecord, name: string, decision: { reason: string; message: string }) =>
    problem(403, 'dataset_access_denied', `API key "${key.name}" may not use dataset "${name}": ${decision.message}`, {
      dataset: name,
      reason: decision.reason,
      hint: 'Access comes from membership of a SCIM group whose name matches a Dataset Group containing the dataset.',
    });

  // With the certificate required, a caller always has a recipient.
  const authorise = ((request: Request) => check(request, true) as Promise<AuthorisedCaller | Response>) as KeyRequestAuthoriser;
  authorise.certificateOptional = (request) => check(request, false);
  authorise.denyUnlessAllowed = (key, dataset) => {
    const decision = explainDatasetAccess(ctx.store, key, dataset);
    return decision.allowed ? undefined : denied(key, dataset.name, decision);
  };
  authorise.unknownDataset = (key, name) => denied(key, name, { reason: 'dataset_not_found', message: `No dataset "${name}".` });
  return authorise;
}
