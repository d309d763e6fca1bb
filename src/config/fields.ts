import type { ConfigFieldName } from './types.js';

/** How a field's value is checked. */
export type FieldKind = 'server' | 'url' | 'provider' | 'uuid' | 'id' | 'secret' | 'text' | 'password' | 'base64' | 'pem' | 'datetime' | 'grant' | 'port';

export interface FieldSpec {
  name: ConfigFieldName;
  kind: FieldKind;
  secret: boolean;
  env: string;
  /** Path inside `LoadConfigOptions`. */
  option: string;
  /** Key in a credentials profile. */
  ini?: string;
  /** Keys in the configuration file's `idp` block: [seed documents' name, official libraries' name]. */
  json?: readonly [string, string];
  /** Further names of the same `idp` setting, in both dialects (`client_id`, `idp_client_id`). */
  jsonAliases?: readonly string[];
}

// The one table of what is read from where (ARCHITECTURE.md, Configuration); every source module reads it.
export const FIELDS: readonly FieldSpec[] = [
  { name: 'server', kind: 'server', secret: false, env: 'UBIQ_SERVER', option: 'overrides.server', ini: 'SERVER' },
  { name: 'idp.provider', kind: 'provider', secret: false, env: 'UBIQ_IDP_PROVIDER', option: 'overrides.idp.provider', json: ['type', 'provider'] },
  { name: 'idp.customerId', kind: 'uuid', secret: false, env: 'UBIQ_IDP_CUSTOMER_ID', option: 'overrides.idp.customerId', json: ['customer_id', 'ubiq_customer_id'] },
  { name: 'idp.tokenEndpointUrl', kind: 'url', secret: false, env: 'UBIQ_IDP_TOKEN_ENDPOINT_URL', option: 'overrides.idp.tokenEndpointUrl', json: ['token_endpoint_url', 'idp_token_endpoint_url'] },
  { name: 'idp.clientId', kind: 'id', secret: false, env: 'UBIQ_IDP_TENANT_ID', option: 'overrides.idp.clientId', json: ['tenant_id', 'idp_tenant_id'], jsonAliases: ['client_id', 'idp_client_id'] },
  { name: 'idp.clientSecret', kind: 'secret', secret: true, env: 'UBIQ_IDP_CLIENT_SECRET', option: 'overrides.idp.clientSecret', json: ['client_secret', 'idp_client_secret'] },
  { name: 'idp.scope', kind: 'text', secret: false, env: 'UBIQ_IDP_SCOPE', option: 'overrides.idp.scope', json: ['scope', 'idp_scope'] },
  { name: 'idp.grant', kind: 'grant', secret: false, env: 'UBIQ_IDP_GRANT', option: 'overrides.idp.grant', json: ['grant', 'idp_grant'] },
  { name: 'idp.redirectPort', kind: 'port', secret: false, env: 'UBIQ_IDP_REDIRECT_PORT', option: 'overrides.idp.redirectPort', json: ['redirect_port', 'idp_redirect_port'] },
  { name: 'user.username', kind: 'text', secret: false, env: 'UBIQ_IDP_USERNAME', option: 'overrides.username', ini: 'IDP_USERNAME' },
  { name: 'user.password', kind: 'password', secret: true, env: 'UBIQ_IDP_PASSWORD', option: 'overrides.password', ini: 'IDP_PASSWORD' },
  { name: 'keys.accessKeyId', kind: 'id', secret: false, env: 'UBIQ_ACCESS_KEY_ID', option: 'overrides.accessKeyId', ini: 'ACCESS_KEY_ID' },
  { name: 'keys.secretSigningKey', kind: 'secret', secret: true, env: 'UBIQ_SECRET_SIGNING_KEY', option: 'overrides.secretSigningKey', ini: 'SECRET_SIGNING_KEY' },
  { name: 'keys.secretCryptoAccessKey', kind: 'secret', secret: true, env: 'UBIQ_SECRET_CRYPTO_ACCESS_KEY', option: 'overrides.secretCryptoAccessKey', ini: 'SECRET_CRYPTO_ACCESS_KEY' },
  // What `ubiq-idp credentials` exports besides the key triple: INI key = variable name without `UBIQ_`.
  { name: 'issued.payloadCert', kind: 'base64', secret: false, env: 'UBIQ_PAYLOAD_CERT', option: 'overrides.payloadCert', ini: 'PAYLOAD_CERT' },
  { name: 'issued.encryptedPrivateKey', kind: 'pem', secret: true, env: 'UBIQ_ENCRYPTED_PRIVATE_KEY', option: 'overrides.encryptedPrivateKey', ini: 'ENCRYPTED_PRIVATE_KEY' },
  { name: 'issued.expiresAt', kind: 'datetime', secret: false, env: 'UBIQ_CREDENTIALS_EXPIRES_AT', option: 'overrides.expiresAt', ini: 'CREDENTIALS_EXPIRES_AT' },
  { name: 'issued.username', kind: 'text', secret: false, env: 'UBIQ_CREDENTIALS_USERNAME', option: 'overrides.issuedTo', ini: 'CREDENTIALS_USERNAME' },
  { name: 'issued.provider', kind: 'provider', secret: false, env: 'UBIQ_CREDENTIALS_PROVIDER', option: 'overrides.issuedBy', ini: 'CREDENTIALS_PROVIDER' },
];

export const IDP_FIELDS = FIELDS.filter((f) => f.name.startsWith('idp.'));
/** idp fields that may be absent (the provider default applies). */
export const OPTIONAL_IDP_FIELDS: ReadonlySet<ConfigFieldName> = new Set<ConfigFieldName>(['idp.scope', 'idp.grant', 'idp.redirectPort']);
export const USER_FIELDS = FIELDS.filter((f) => f.name.startsWith('user.'));
export const KEY_FIELDS = FIELDS.filter((f) => f.name.startsWith('keys.'));
export const ISSUED_FIELDS = FIELDS.filter((f) => f.name.startsWith('issued.'));
/** Every name a field has in the `idp` block: the two dialects' names, then the aliases. */
export function jsonNames(spec: FieldSpec): readonly string[] {
  return spec.json ? [...spec.json, ...(spec.jsonAliases ?? [])] : [];
}

export const INI_KEYS: ReadonlySet<string> = new Set(FIELDS.flatMap((f) => (f.ini ? [f.ini] : [])));

/** Names that would reach `Object.prototype` if used as a key; never accepted anywhere. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key.trim().toLowerCase());
}

export { DEFAULT_SERVER } from '../util/endpoint-url.js';
