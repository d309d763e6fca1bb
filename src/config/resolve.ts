import type { ConfigProblem } from './errors.js';
import { DEFAULT_SERVER, FIELDS, IDP_FIELDS, ISSUED_FIELDS, KEY_FIELDS, OPTIONAL_IDP_FIELDS, USER_FIELDS, type FieldSpec } from './fields.js';
import { checkIdpConsistency, type Finding } from './mistakes.js';
import { validateField } from './schema.js';
import type { RawValue } from './sources/types.js';
import type { ConfigFieldName, ConfigFieldSource, ConfigWarning, IdpSettings, IdpUserCredentials, IssuedCredentialFields, StaticKeyCredentials } from './types.js';

export type Level = 'option' | 'env' | 'profile' | 'default' | 'configuration';
export type Layers = Record<Level, Map<ConfigFieldName, RawValue>>;

export interface ResolveContext {
  allowInsecureHttp: boolean;
  profile: string;
  /** Where a missing credential or idp value should be added, for the messages. */
  credentialsPath: string | undefined;
  configurationPath: string | undefined;
  /** Fields whose source already reported a problem: not reported again as missing. */
  alreadyReported: ReadonlySet<ConfigFieldName>;
}

export type Resolved =
  | { kind: 'none' }
  | { kind: 'idp'; server: string; idp: IdpSettings; user: IdpUserCredentials; fields: Partial<Record<ConfigFieldName, ConfigFieldSource>> }
  | { kind: 'static'; server: string; keys: StaticKeyCredentials; issued?: IssuedCredentialFields; fields: Partial<Record<ConfigFieldName, ConfigFieldSource>> };

// Precedence (ARCHITECTURE.md, Configuration): options, environment, credentials profile, credentials [default], configuration file, defaults.
const CREDENTIAL_ORDER: readonly Level[] = ['option', 'env', 'profile', 'default'];
const IDP_ORDER: readonly Level[] = ['option', 'env', 'configuration'];

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function pick(spec: FieldSpec, layers: Layers): RawValue | undefined {
  for (const level of spec.name.startsWith('idp.') ? IDP_ORDER : CREDENTIAL_ORDER) {
    const raw = layers[level].get(spec.name);
    if (raw && !isBlank(raw.value)) return raw;
  }
  return undefined;
}

export function keyLabel(where: ConfigFieldSource): string {
  return where.origin === 'credentials' ? `[${where.profile ?? '?'}] ${where.key}` : where.key;
}

/** Which kind of credentials: decided by the highest-precedence source that supplies any. */
function chooseKind(layers: Layers, warnings: ConfigWarning[]): 'idp' | 'static' | 'none' {
  for (const level of CREDENTIAL_ORDER) {
    const has = (specs: readonly FieldSpec[]) => specs.filter((s) => !isBlank(layers[level].get(s.name)?.value));
    const user = has(USER_FIELDS);
    const keys = has(KEY_FIELDS);
    if (user.length > 0 && keys.length > 0) {
      const where = layers[level].get(user[0]!.name)!.where;
      const warning: ConfigWarning = {
        source: where.source,
        code: 'mixed_credentials',
        message: 'has both an IdP sign-in (IDP_USERNAME/IDP_PASSWORD) and static API keys; using the IdP sign-in',
      };
      if (where.origin === 'credentials') warning.key = `[${where.profile ?? '?'}]`;
      warnings.push(warning);
    }
    if (user.length > 0) return 'idp';
    if (keys.length > 0) return 'static';
  }
  return 'none';
}

function missingProblem(spec: FieldSpec, ctx: ResolveContext): ConfigProblem {
  if (spec.json) {
    return {
      source: ctx.configurationPath ?? 'configuration',
      key: `idp.${spec.json[0]}`,
      code: 'missing_field',
      message: `is missing: add "${spec.json[0]}" (or "${spec.json[1]}"${spec.jsonAliases ? `; ${spec.jsonAliases.map((a) => `"${a}"`).join(' and ')} are accepted too` : ''}) to the idp block, or set ${spec.env}`,
    };
  }
  return {
    source: ctx.credentialsPath ?? 'credentials',
    key: `[${ctx.profile}] ${spec.ini}`,
    code: 'missing_field',
    message: `is missing: add ${spec.ini}=… to the [${ctx.profile}] profile, or set ${spec.env}`,
  };
}

/** Apply precedence, validate every value that will be used, and build the typed result. */
export function resolve(layers: Layers, ctx: ResolveContext, problems: ConfigProblem[], warnings: ConfigWarning[]): Resolved {
  // A device or browser sign-in needs no IDP_USERNAME/IDP_PASSWORD: the idp block alone makes an IdP profile.
  const grantSpec = FIELDS.find((f) => f.name === 'idp.grant');
  const grantRaw = grantSpec === undefined ? undefined : pick(grantSpec, layers);
  const grant = grantSpec === undefined || grantRaw === undefined ? undefined : validateField(grantSpec, grantRaw.value, ctx.allowInsecureHttp).value;
  const interactive = grant === 'device' || grant === 'browser';
  let kind = chooseKind(layers, warnings);
  if (kind === 'none' && interactive) kind = 'idp';
  if (kind === 'none') return { kind };
  const wanted = [FIELDS[0]!, ...(kind === 'idp' ? [...IDP_FIELDS, ...USER_FIELDS] : KEY_FIELDS)];
  const values: Partial<Record<ConfigFieldName, string>> = {};
  const fields: Partial<Record<ConfigFieldName, ConfigFieldSource>> = {};
  const missing: FieldSpec[] = [];
  const report = (where: ConfigFieldSource, findings: readonly Finding[]) => {
    for (const f of findings) {
      const entry = { source: where.source, key: keyLabel(where), code: f.code, message: f.message };
      if (f.severity === 'error') problems.push(entry);
      else warnings.push(entry);
    }
  };
  for (const spec of wanted) {
    const raw = pick(spec, layers);
    if (!raw) {
      if (spec.name === 'server') {
        values.server = DEFAULT_SERVER;
        fields.server = { origin: 'default', source: 'default', key: 'server' };
      } else if (OPTIONAL_IDP_FIELDS.has(spec.name)) {
        // the provider default applies
      } else if (interactive && (spec.name === 'user.username' || spec.name === 'user.password' || spec.name === 'idp.clientSecret')) {
        // device and browser sign-in: the person types these in the browser; a public client has no secret
      } else {
        missing.push(spec);
      }
      continue;
    }
    const checked = validateField(spec, raw.value, ctx.allowInsecureHttp);
    report(raw.where, checked.findings);
    if (checked.value !== undefined) values[spec.name] = checked.value;
    fields[spec.name] = raw.where;
  }
  const missingIdp = missing.filter((s) => s.json && !ctx.alreadyReported.has(s.name));
  if (missingIdp.length > 0 && missingIdp.length === IDP_FIELDS.filter((f) => !OPTIONAL_IDP_FIELDS.has(f.name)).length && !ctx.alreadyReported.size) {
    problems.push({
      source: ctx.configurationPath ?? 'configuration',
      key: 'idp',
      code: 'missing_idp_block',
      message:
        'the profile signs in with IDP_USERNAME/IDP_PASSWORD but there are no idp settings: add an "idp" block to the configuration file, or set UBIQ_IDP_PROVIDER, UBIQ_IDP_CUSTOMER_ID, UBIQ_IDP_TOKEN_ENDPOINT_URL, UBIQ_IDP_TENANT_ID and UBIQ_IDP_CLIENT_SECRET',
    });
  } else {
    for (const spec of missingIdp) problems.push(missingProblem(spec, ctx));
  }
  for (const spec of missing.filter((s) => !s.json && !ctx.alreadyReported.has(s.name))) problems.push(missingProblem(spec, ctx));

  const server = values.server ?? DEFAULT_SERVER;
  if (kind === 'static') {
    const keys = { accessKeyId: values['keys.accessKeyId'] ?? '', secretSigningKey: values['keys.secretSigningKey'] ?? '', secretCryptoAccessKey: values['keys.secretCryptoAccessKey'] ?? '' };
    const issued = resolveIssued(layers, fields, ctx, problems, report);
    return { kind, server, keys, ...(issued === undefined ? {} : { issued }), fields };
  }
  const idp: IdpSettings = {
    provider: (values['idp.provider'] ?? 'okta') as IdpSettings['provider'],
    customerId: values['idp.customerId'] ?? '',
    tokenEndpointUrl: values['idp.tokenEndpointUrl'] ?? '',
    clientId: values['idp.clientId'] ?? '',
    clientSecret: values['idp.clientSecret'] ?? '',
  };
  if (values['idp.scope'] !== undefined) idp.scope = values['idp.scope'];
  if (values['idp.grant'] !== undefined) idp.grant = values['idp.grant'] as IdpSettings['grant'] & string;
  if (values['idp.redirectPort'] !== undefined) idp.redirectPort = Number(values['idp.redirectPort']);
  if (interactive) return { kind, server, idp, user: { username: values['user.username'] ?? '', password: '' }, fields };
  if (values['idp.provider'] && values['idp.tokenEndpointUrl'] && values['idp.clientId']) {
    for (const f of checkIdpConsistency(idp)) {
      const where = f.code === 'provider_endpoint_mismatch' ? fields['idp.provider'] : fields['idp.clientId'];
      if (where) report(where, [f]);
    }
  }
  return { kind, server, idp, user: { username: values['user.username'] ?? '', password: values['user.password'] ?? '' }, fields };
}

const ISSUED_REQUIRED: readonly ConfigFieldName[] = ['issued.payloadCert', 'issued.encryptedPrivateKey', 'issued.username', 'issued.provider'];

/**
 * The exported certificate, encrypted private key and who they were issued to, taken from the one source
 * that supplied the access key id: a certificate from the environment never pairs with keys from a file.
 * All of them or none; a partial set is a problem, not silently static keys.
 */
function resolveIssued(
  layers: Layers,
  fields: Partial<Record<ConfigFieldName, ConfigFieldSource>>,
  ctx: ResolveContext,
  problems: ConfigProblem[],
  report: (where: ConfigFieldSource, findings: readonly Finding[]) => void,
): IssuedCredentialFields | undefined {
  const keySource = fields['keys.accessKeyId'];
  const level = CREDENTIAL_ORDER.find((l) => layers[l].get('keys.accessKeyId')?.where === keySource);
  if (level === undefined) return undefined;
  const layer = layers[level];
  const present = ISSUED_FIELDS.filter((spec) => !isBlank(layer.get(spec.name)?.value));
  if (present.length === 0) return undefined;
  const values: Partial<Record<ConfigFieldName, string>> = {};
  for (const spec of present) {
    const raw = layer.get(spec.name)!;
    const checked = validateField(spec, raw.value, ctx.allowInsecureHttp);
    report(raw.where, checked.findings);
    if (checked.value !== undefined) values[spec.name] = checked.value;
    fields[spec.name] = raw.where;
  }
  const missing = ISSUED_FIELDS.filter((spec) => ISSUED_REQUIRED.includes(spec.name) && !present.includes(spec));
  for (const spec of missing) {
    const where = keySource!;
    problems.push({
      source: where.source,
      key: where.origin === 'credentials' ? `[${where.profile ?? '?'}] ${spec.ini}` : spec.env,
      code: 'incomplete_issued_credentials',
      message: `is missing: exported IdP credentials need ${ISSUED_FIELDS.filter((f) => ISSUED_REQUIRED.includes(f.name)).map((f) => (where.origin === 'credentials' ? f.ini : f.env)).join(', ')} together; export them again with 'ubiq-idp credentials'`,
    });
  }
  if (missing.length > 0 || ISSUED_REQUIRED.some((name) => values[name] === undefined)) return undefined;
  return {
    payloadCert: values['issued.payloadCert']!,
    encryptedPrivateKey: values['issued.encryptedPrivateKey']!,
    username: values['issued.username']!,
    provider: values['issued.provider'] as IssuedCredentialFields['provider'],
    ...(values['issued.expiresAt'] === undefined ? {} : { expiresAt: values['issued.expiresAt'] }),
  };
}
