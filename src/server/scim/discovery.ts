// Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas.
import type { Context } from 'hono';
import type { ServerContext } from '../context.js';
import { notFound } from './errors.js';
import { scimJson } from './http.js';
import { MAX_RESULTS } from './list.js';
import { commonAttributes, enterpriseSchema, groupSchema, groupType, LIST_SCHEMA, userSchema, userType, type AttrDef, type ResourceTypeDef, type SchemaDef } from './schema.js';

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

const list = (resources: unknown[]) => ({ schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources });

function renderAttr(def: AttrDef): Record<string, unknown> {
  return {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description,
    required: def.required,
    caseExact: def.caseExact,
    mutability: def.mutability,
    returned: def.returned,
    uniqueness: def.uniqueness,
    ...(def.canonicalValues ? { canonicalValues: def.canonicalValues } : {}),
    ...(def.referenceTypes ? { referenceTypes: def.referenceTypes } : {}),
    ...(def.subAttributes ? { subAttributes: def.subAttributes.map(renderAttr) } : {}),
  };
}

export function createDiscoveryHandlers(ctx: ServerContext) {
  const base = () => ctx.scimBaseUrl();
  const renderSchema = (s: SchemaDef) => ({
    schemas: [SCHEMA_SCHEMA],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: (s === enterpriseSchema ? s.attributes : [...commonAttributes.filter((a) => a.name === 'externalId'), ...s.attributes]).map(renderAttr),
    meta: { resourceType: 'Schema', location: `${base()}/Schemas/${s.id}` },
  });
  const renderType = (t: ResourceTypeDef) => ({
    schemas: [RT_SCHEMA],
    id: t.name,
    name: t.name,
    endpoint: t.endpoint,
    description: t.name === 'User' ? 'User Account' : 'Group',
    schema: t.core.id,
    schemaExtensions: t.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base()}/ResourceTypes/${t.name}` },
  });
  const schemas = [userSchema, enterpriseSchema, groupSchema];
  const types = [userType, groupType];
  return {
    serviceProviderConfig: () =>
      scimJson(200, {
        schemas: [SPC_SCHEMA],
        documentationUri: 'https://dev.ubiqsecurity.com/docs/okta-idp-integration',
        patch: { supported: true },
        bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
        filter: { supported: true, maxResults: MAX_RESULTS },
        changePassword: { supported: false },
        sort: { supported: true },
        etag: { supported: true },
        authenticationSchemes: [
          { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'The Ubiq SCIM Secret Token from the IDP Settings window, as a bearer token.', primary: true },
        ],
        meta: { resourceType: 'ServiceProviderConfig', location: `${base()}/ServiceProviderConfig` },
      }),
    resourceTypes: () => scimJson(200, list(types.map(renderType))),
    resourceType: (c: Context) => {
      const t = types.find((x) => x.name === c.req.param('id'));
      if (!t) throw notFound(`No resource type "${(c.req.param('id') ?? '').slice(0, 100)}".`);
      return scimJson(200, renderType(t));
    },
    schemas: () => scimJson(200, list(schemas.map(renderSchema))),
    schema: (c: Context) => {
      const s = schemas.find((x) => x.id === c.req.param('id'));
      if (!s) throw notFound(`No schema "${(c.req.param('id') ?? '').slice(0, 200)}".`);
      return scimJson(200, renderSchema(s));
    },
  };
}
