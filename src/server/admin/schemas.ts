// zod schemas of the admin API's request bodies and queries.
import * as z from 'zod';
import { endpointUrlSchema } from '../../util/endpoint-url-schema.js';
import { structuredInputSchema } from '../keys/structured-definition.js';

// The library's one URL validation; http:// is allowed because the reference server talks to local emulators.
const nullableUrl = z.union([endpointUrlSchema('url', { allowInsecureHttp: true }), z.null()]);
const nullableText = z.union([z.string().trim().min(1).max(2048), z.null()]);

export const idpPatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  discoveryUrl: nullableUrl.optional(),
  issuer: nullableText.optional(),
  audience: nullableText.optional(),
  usernameClaim: nullableText.optional(),
  /** Client ids of the Ubiq app(s) whose tokens are accepted; [] turns the check off. */
  allowedClientIds: z.array(z.string().trim().min(1).max(256)).max(100).optional(),
  requiredScope: nullableText.optional(),
  /** A claim name, false (off) or null (by provider: Okta uid, Entra none). */
  externalIdClaim: z.union([z.string().trim().min(1).max(256), z.literal(false), z.null()]).optional(),
});

/** Ubiq's limit is in bytes: a name travels in a one-byte length field of every encrypted data key. */
export const MAX_NAME_BYTES = 255;
const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MAX_NAME_BYTES, `must be at most ${MAX_NAME_BYTES} bytes of UTF-8`);

export const datasetCreateSchema = z
  .strictObject({
    name,
    type: z.enum(['structured', 'unstructured']).default('unstructured'),
    /** Dataset groups (ids or names) to assign the new dataset to. */
    datasetGroups: z.array(z.string().min(1)).max(1000).default([]),
    /** Structured datasets: the format-preserving definition (defaults: a 9-digit identifier). */
    structured: structuredInputSchema.optional(),
  })
  .refine((value) => value.structured === undefined || value.type === 'structured', { message: 'only a structured dataset takes a structured definition', path: ['structured'] })
  // def_keys takes a comma-separated list of names.
  .refine((value) => value.type !== 'structured' || !value.name.includes(','), { message: 'a structured dataset name may not contain a comma', path: ['name'] });

export const datasetGroupCreateSchema = z.strictObject({
  name,
  /** Datasets (ids or names) in the group. */
  datasets: z.array(z.string().min(1)).max(10000).default([]),
});

export const datasetGroupPatchSchema = z.strictObject({ name: name.optional() });

export const apiKeyCreateSchema = z.strictObject({
  name,
  enabled: z.boolean().default(true),
  datasets: z.array(z.string().min(1)).max(10000).default([]),
});

export const apiKeyPatchSchema = z.strictObject({
  name: name.optional(),
  enabled: z.boolean().optional(),
  datasets: z.array(z.string().min(1)).max(10000).optional(),
});

export const accessQuerySchema = z.object({
  apiKey: z.string().min(1, 'apiKey (API key id or public value) is required'),
  dataset: z.string().min(1, 'dataset (dataset id or name) is required'),
});
