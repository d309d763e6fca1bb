import * as z from 'zod';
import { errorGuard, UbiqIdpError } from '../errors.js';
import type { AdminApiErrorCode, AdminErrorCode } from '../error-codes.js';

/** A refusal of the reference server's admin API (`{code, message}` bodies). */
export class AdminApiError extends UbiqIdpError<AdminApiErrorCode> {
  static override readonly errorName = 'AdminApiError';
  readonly status: number;
  constructor(status: number, code: AdminApiErrorCode, message: string) {
    super(code, message, { hint: 'The reference server\'s admin API (the "Ubiq UI" stand-in) refused the request.' });
    this.status = status;
  }
}

/** True when `value` is an {@link AdminApiError}. */
export const isAdminApiError = errorGuard<AdminApiError>('AdminApiError');

const ADMIN_ERROR_CODES = [
  'admin_unauthorized',
  'dataset_not_found',
  'dataset_group_not_found',
  'api_key_not_found',
  'dataset_exists',
  'dataset_group_exists',
  'api_key_auto_provisioned',
  'invalid_json',
  'invalid_request',
  'unsupported_media_type',
  'body_too_large',
  'dataset_type_mismatch',
  'key_numbers_exhausted',
] as const satisfies readonly AdminErrorCode[];
const errorBody = z.object({ code: z.string(), message: z.string() });
const isAdminErrorCode = (code: string): code is AdminErrorCode => (ADMIN_ERROR_CODES as readonly string[]).includes(code);
const datasetGroupBody = z.object({ id: z.string(), name: z.string(), datasets: z.array(z.object({ id: z.string(), name: z.string() })) });
const datasetBody = z.object({ id: z.string(), name: z.string() });
const apiKeysBody = z.object({
  apiKeys: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      enabled: z.boolean(),
      autoProvisioned: z.boolean(),
      user: z.object({ userName: z.string(), active: z.boolean() }).nullable(),
      access: z.array(z.object({ name: z.string() })),
    }),
  ),
});
export type AdminApiKey = z.infer<typeof apiKeysBody>['apiKeys'][number];

/** The few admin calls the demo and `server` make, over HTTP like any admin would. */
export interface AdminClient {
  setIdpSettings(settings: { discoveryUrl: string; issuer: string; audience: string; allowedClientIds?: string[] }): Promise<void>;
  /** An unstructured dataset, or a structured one (the server's default definition: a 9-digit identifier) with `passthrough` characters. */
  createDataset(name: string, structured?: { passthrough: string }): Promise<{ id: string; name: string }>;
  createDatasetGroup(name: string, datasets: string[]): Promise<{ id: string; name: string; datasets: { name: string }[] }>;
  listApiKeys(): Promise<AdminApiKey[]>;
}

export function createAdminClient(adminBaseUrl: string, adminToken: string, signal?: AbortSignal): AdminClient {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const timeout = AbortSignal.timeout(10_000);
    const response = await fetch(`${adminBaseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const parsed = errorBody.safeParse(json);
      // A code this CLI does not know (another server version) is reported as admin_http_<status>, its message kept.
      const code = parsed.success && isAdminErrorCode(parsed.data.code) ? parsed.data.code : `admin_http_${response.status}` as const;
      throw new AdminApiError(response.status, code, parsed.success ? parsed.data.message : `${method} ${path} answered ${response.status}`);
    }
    return json;
  }
  return {
    async setIdpSettings(settings) {
      await call('PATCH', '/idp', settings);
    },
    async createDataset(name, structured) {
      const body = structured === undefined ? { name, type: 'unstructured' } : { name, type: 'structured', structured };
      return datasetBody.parse(await call('POST', '/datasets', body));
    },
    async createDatasetGroup(name, datasets) {
      return datasetGroupBody.parse(await call('POST', '/dataset-groups', { name, datasets }));
    },
    async listApiKeys() {
      return apiKeysBody.parse(await call('GET', '/api-keys')).apiKeys;
    },
  };
}
