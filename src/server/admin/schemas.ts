// zod schemas of the admin API's request bodies and queries.
import { z } from 'zod';

const nullableUrl = z.union([z.url({ protocol: /^https?$/ }), z.null()]);
const nullableText = z.union([z.string().trim().min(1).max(2048), z.null()]);

export const idpPatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  discoveryUrl: nullableUrl.optional(),
  issuer: nullableText.optional(),
  audience: nullableText.optional(),
  usernameClaim: nullableText.optional(),
});

const name = z.string().trim().min(1, 'must not be empty').max(256);

export const datasetCreateSchema = z.strictObject({
  name,
  type: z.enum(['structured', 'unstructured']).default('unstructured'),
  /** Dataset groups (ids or names) to assign the new dataset to. */
  datasetGroups: z.array(z.string().min(1)).max(1000).default([]),
});

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
