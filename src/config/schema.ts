// zod/mini, not classic zod: these schemas are on the way to a session's first credentials, and zod/mini's
// functions tree-shake to a small part of zod (the package bundles zod), where classic zod evaluates all of it.
import * as z from 'zod/mini';
import type { FieldSpec } from './fields.js';
import { checkUrl, checkValue, type Finding } from './mistakes.js';
import type { IdpSettings, IdpUserCredentials, StaticKeyCredentials } from './types.js';

const nonEmpty = z.string().check(z.minLength(1));

/**
 * A schema built on first use: building a zod schema runs zod's initialisation for each of its parts (a few
 * milliseconds for this file's schemas in a fresh process), and most loads need only some of them.
 */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/** What code may pass as `overrides`: checked because JavaScript callers can pass anything. */
export const overridesSchema = once(() =>
  z.partial(
    z.strictObject({
      server: z.string(),
      idp: z.partial(
        z.strictObject({ provider: z.string(), customerId: z.string(), tokenEndpointUrl: z.string(), clientId: z.string(), clientSecret: z.string(), scope: z.string(), grant: z.string(), redirectPort: z.union([z.string(), z.number()]) }),
      ),
      username: z.string(),
      password: z.string(),
      accessKeyId: z.string(),
      secretSigningKey: z.string(),
      secretCryptoAccessKey: z.string(),
    }),
  ),
);

export const providerSchema = once(() =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((value: string) => value.trim().toLowerCase()),
    ),
    z.enum(['okta', 'entra']),
  ),
);

export const customerIdSchema = once(() => z.guid());

/** The validated result; the loader parses its output through these once more before returning. */
export const idpSettingsSchema: z.ZodMiniType<IdpSettings> = z
  .object({
    provider: z.enum(['okta', 'entra']),
    customerId: z.guid(),
    tokenEndpointUrl: z.url(),
    clientId: nonEmpty,
    // Empty only for a public client, which the device and browser grants allow.
    clientSecret: z.string(),
    scope: z.optional(nonEmpty),
    grant: z.optional(z.enum(['password', 'device', 'browser'])),
    redirectPort: z.optional(z.int().check(z.minimum(0), z.maximum(65535))),
  })
  .check(z.refine((idp) => idp.clientSecret !== '' || (idp.grant !== undefined && idp.grant !== 'password'), 'clientSecret is empty'));
export const userSchema = once((): z.ZodMiniType<IdpUserCredentials> => z.object({ username: nonEmpty, password: nonEmpty }));
/** A device or browser sign-in: no password; the username is optional (the person types it in the browser). */
export const interactiveUserSchema = once((): z.ZodMiniType<IdpUserCredentials> => z.object({ username: z.string(), password: z.literal('') }));
export const grantSchema = once(() =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((value: string) => value.trim().toLowerCase()),
    ),
    z.enum(['password', 'device', 'browser']),
  ),
);
export const staticKeysSchema = once(
  (): z.ZodMiniType<StaticKeyCredentials> =>
    z.object({
      accessKeyId: nonEmpty,
      secretSigningKey: nonEmpty,
      secretCryptoAccessKey: nonEmpty,
    }),
);

const ALIASES: Record<string, string> = { azure: 'entra', azuread: 'entra', 'azure-ad': 'entra', aad: 'entra', microsoft: 'entra', 'entra-id': 'entra', entraid: 'entra' };
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PEM_BLOCK = /^-----BEGIN ([A-Z ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const GUID_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Check one raw value for its field: the copy mistakes first, then its type and format. */
export function validateField(spec: FieldSpec, raw: unknown, allowInsecureHttp: boolean): { value?: string; findings: Finding[] } {
  if (typeof raw !== 'string') return { findings: [{ code: 'not_a_string', message: 'must be a string', severity: 'error' }] };
  const findings = checkValue(spec.kind, raw);
  if (findings.some((f) => f.severity === 'error')) return { findings };
  const value = spec.kind === 'password' ? raw : raw.trim();
  const fail = (code: string, message: string) => ({ findings: [...findings, { code, message, severity: 'error' as const }] });
  switch (spec.kind) {
    case 'server':
    case 'url': {
      const checked = checkUrl(spec.kind, value, allowInsecureHttp);
      return checked.url === undefined ? { findings: [...findings, ...checked.findings] } : { value: checked.url, findings };
    }
    case 'provider': {
      const parsed = providerSchema().safeParse(value);
      if (parsed.success) return { value: parsed.data, findings };
      const alias = ALIASES[value.toLowerCase()];
      return fail('unknown_provider', alias ? `must be 'okta' or 'entra' (for Microsoft, write '${alias}')` : "must be 'okta' or 'entra'");
    }
    case 'uuid': {
      if (customerIdSchema().safeParse(value).success) return { value: value.toLowerCase(), findings };
      const inner = GUID_IN.exec(value)?.[0];
      if (inner && /^https?:|\/scim/i.test(value)) {
        return fail('customer_id_is_url', `is a URL; use only the customer id in it (${inner.toLowerCase()}), the UUID in the Ubiq SCIM URL`);
      }
      return fail('not_a_uuid', 'must be the Ubiq customer id: the UUID (8-4-4-4-12 hex digits) in the Ubiq SCIM URL of the IDP Settings window');
    }
    case 'base64':
      return BASE64.test(value) ? { value, findings } : fail('not_base64', 'must be base64 (as `ubiq-idp credentials` writes it)');
    case 'pem': {
      // PEM as is (JSON, a shell variable) or base64 of the PEM (one line: INI and env files).
      const pem = value.startsWith('-----BEGIN') ? value : BASE64.test(value) ? Buffer.from(value, 'base64').toString('utf8') : '';
      return PEM_BLOCK.test(pem.trim()) ? { value: `${pem.trim()}\n`, findings } : fail('not_pem', 'must be a PEM block or base64 of one (as `ubiq-idp credentials` writes it)');
    }
    case 'grant': {
      const parsed = grantSchema().safeParse(value);
      return parsed.success ? { value: parsed.data, findings } : fail('unknown_grant', "must be 'password', 'device' or 'browser'");
    }
    case 'port':
      return /^\d{1,5}$/.test(value) && Number(value) <= 65535 ? { value, findings } : fail('not_a_port', 'must be a port number (0-65535; 0 = any free port)');
    case 'datetime':
      return ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? { value, findings } : fail('not_a_time', 'must be a time in ISO 8601 form, e.g. 2030-01-31T12:00:00.000Z');
    default:
      return value ? { value, findings } : fail('empty', 'is empty');
  }
}
