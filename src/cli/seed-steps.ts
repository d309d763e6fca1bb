// Where, in the two setup documents the Ubiq IdP integration ships with, each value and each fix lives.
// The doctor and the README point at these steps by name.

export const OKTA_DOC = 'Okta IDP Integration';
export const ENTRA_DOC = 'Entra IDP Integration';

/** The setup step that supplies each configuration field, per provider. */
export const FIELD_STEPS: Record<string, { okta: string; entra: string }> = {
  'idp.provider': {
    okta: `${OKTA_DOC} → "Ubiq configuration file settings for the IDP": "type": "okta"`,
    entra: `${ENTRA_DOC}: provider 'entra' (the configuration block of the Okta document, with type "entra")`,
  },
  'idp.customerId': {
    okta: `${OKTA_DOC} → "The customer_id is from Ubiq SCIM URL in the IDP Settings window"`,
    entra: `${ENTRA_DOC} → Provisioning: the UUID in the "Ubiq SCIM URL from Ubiq IDP Integration screen"`,
  },
  'idp.tokenEndpointUrl': {
    okta: `${OKTA_DOC} → "The token_endpoint_url is from the Okta account. The oath2/v1/token is consistent" (https://{org}.okta.com/oauth2/v1/token)`,
    entra: `${ENTRA_DOC} → Directory (tenant) ID: https://login.microsoftonline.com/{Directory (tenant) ID}/oauth2/v2.0/token`,
  },
  'idp.clientId': {
    okta: `${OKTA_DOC} → "The tenant_id value is from the Client ID field in the General tab when creating the OIDC Application"`,
    entra: `${ENTRA_DOC} → App registrations → Your Application → Application (client) ID`,
  },
  'idp.clientSecret': {
    okta: `${OKTA_DOC} → "The client_secret value is from the CLIENT SECRETS portion of the General tab"`,
    entra: `${ENTRA_DOC} → Client Secret: "Certificates & secrets → Client Secrets → + New client secret", copy the Value`,
  },
  'idp.scope': {
    okta: 'not in the documents: default "openid offline_access okta.users.read okta.groups.read" ("Grant Okta API Scopes")',
    entra: `${ENTRA_DOC} → API Scopes: default api://{client id}/.default ("Expose an API")`,
  },
  server: {
    okta: `${OKTA_DOC} → "Ubiq Credential settings": "SERVER will always be https://api.ubiqsecurity.com"`,
    entra: `${OKTA_DOC} → "Ubiq Credential settings": SERVER=https://api.ubiqsecurity.com`,
  },
  'user.username': {
    okta: `${OKTA_DOC} → "Ubiq Credential settings": "IDP_USERNAME will be the name of the user within Okta"`,
    entra: `${ENTRA_DOC} → Users / Groups: an assigned user's principal name (IDP_USERNAME)`,
  },
  'user.password': {
    okta: `${OKTA_DOC} → "Ubiq Credential settings": "IDP_PASSWORD will be the user's Okta password"`,
    entra: "the assigned user's Entra password (IDP_PASSWORD)",
  },
};

/** The setup step for a problem code of the configuration loader or the doctor. */
export function stepForProblem(code: string): string | undefined {
  switch (code) {
    case 'angle_brackets':
      return `${OKTA_DOC} → "Ubiq configuration file settings for the IDP" / "Ubiq Credential settings" show values inside <…>; the brackets are not part of the value`;
    case 'placeholder':
      return `${OKTA_DOC} → "Ubiq Credential settings": IDP_USERNAME is the user's login in the IdP, IDP_PASSWORD their password`;
    case 'elided':
    case 'invalid_escape':
      return `${OKTA_DOC} → "The client_secret value is from the CLIENT SECRETS portion of the General tab" (the document shows a shortened secret)`;
    case 'trailing_dot':
    case 'trailing_comma':
    case 'json_fragment':
    case 'invalid_json':
    case 'smart_quotes':
      return `${OKTA_DOC} → "Ubiq configuration file settings for the IDP": the example is a fragment ending in "}."; the file must be one JSON object, { "idp": { … } }`;
    case 'file_permissions':
      return 'Security: ~/.ubiq/credentials holds IDP_PASSWORD and ~/.ubiq/configuration the client_secret; only you may read them';
    case 'missing_field':
    case 'missing_idp_block':
      return `${OKTA_DOC} → "Ubiq configuration file settings for the IDP" (customer_id, token_endpoint_url, tenant_id, client_secret)`;
    case 'profile_not_found':
      return `${OKTA_DOC} → "Ubiq Credential settings": the example profile is [idp]; choose it with --profile idp or UBIQ_PROFILE=idp`;
    case 'insecure_http':
      return 'The token endpoint and SERVER must use https://; http:// is only for local emulators (--allow-http)';
    default:
      return undefined;
  }
}

/** Where the IdP-side fix of an IdP error lives (the hint itself quotes the step). */
export function stepForIdpCode(provider: 'okta' | 'entra', code: string): string | undefined {
  const okta: Record<string, string> = {
    invalid_credentials: `${OKTA_DOC} → Ubiq Credential settings (IDP_USERNAME / IDP_PASSWORD)`,
    invalid_client_secret: `${OKTA_DOC} → "Get the Client ID and Client Secret for the application"`,
    client_secret_expired: `${OKTA_DOC} → "Get the Client ID and Client Secret for the application"`,
    application_not_found: `${OKTA_DOC} → "Create a Native Application using OpenID Connect Sign-in method"`,
    mfa_required: `${OKTA_DOC} → "Create a new Password Authentication Policy" / "Set the password Authentication Policy to the OIDC application"`,
    grant_not_enabled: `${OKTA_DOC} → "Configure properties for the OIDC application"`,
    scope_not_granted: `${OKTA_DOC} → "Grant Okta API Scopes"`,
    endpoint_not_found: `${OKTA_DOC} → "The token_endpoint_url is from the Okta account"`,
    account_disabled: `${OKTA_DOC} → SCIM Setup: "Click Assignments to associate People and Groups with the Applications"`,
  };
  const entra: Record<string, string> = {
    invalid_credentials: `${OKTA_DOC} → Ubiq Credential settings (IDP_USERNAME / IDP_PASSWORD)`,
    invalid_client_secret: `${ENTRA_DOC} → Client Secret`,
    client_secret_expired: `${ENTRA_DOC} → Client Secret`,
    application_not_found: `${ENTRA_DOC} → Configure Application (App registrations → Your Application)`,
    consent_required: `${ENTRA_DOC} → API Permissions: "Grant admin consent for YourAzureADTenantName"`,
    user_not_assigned: `${ENTRA_DOC} → Users / Groups: "+ Add user/group"`,
    account_disabled: `${ENTRA_DOC} → Users / Groups`,
    invalid_scope: `${ENTRA_DOC} → API Scopes ("Expose an API")`,
    scope_not_granted: `${ENTRA_DOC} → API Permissions`,
    tenant_not_found: `${ENTRA_DOC} → IDP Token Issuer: Directory (tenant) ID`,
  };
  return (provider === 'okta' ? okta : entra)[code];
}

/** Where the Ubiq-side fix of an SSO error lives. */
export function stepForSsoCode(provider: 'okta' | 'entra', code: string): string | undefined {
  const doc = provider === 'okta' ? OKTA_DOC : ENTRA_DOC;
  switch (code) {
    case 'sso_unauthorized':
      return provider === 'okta'
        ? `${OKTA_DOC} → "Enter the OpenID Connect Discovery URL, the IDP Token Issuer, and the IDP Token Audience into the Ubiq IDP Settings window"`
        : `${ENTRA_DOC} → OpenID Connect Discovery URL, IDP Token Issuer (https://sts.windows.net/TENANT_ID/), IDP Token Audience (Application ID URI)`;
    case 'sso_forbidden':
      return `${doc} → SCIM: assign the user to the app and push its groups ("Auto-provisioning" table)`;
    case 'sso_not_found':
      return `${doc} → "The customer_id is from Ubiq SCIM URL in the IDP Settings window"`;
    default:
      return undefined;
  }
}
