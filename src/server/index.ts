// ubiq-idp/server: the reference implementation of Ubiq's side of the IdP integration, and the
// server-side checks (IdP access tokens, Ubiq request signatures) a real implementation needs.
export { createReferenceServer } from './reference-server.js';
export type { ReferenceServer, ReferenceServerInfo, ReferenceServerAddress } from './reference-server.js';
export type { ReferenceServerOptions } from './options.js';
export type { Clock } from '../util/clock.js';
export { ReferenceServerOptionsError, isReferenceServerOptionsError } from './options.js';
export type {
  ReferenceStore,
  UserRecord,
  GroupRecord,
  GroupMember,
  DatasetRecord,
  DatasetGroupRecord,
  DatasetType,
  ApiKeyRecord,
  ServerIdpSettings,
  StructuredDataset,
  StructuredDefinition,
} from './store/types.js';
export { normalizeGroupName } from './store/types.js';
export { deriveKeyAccess, deriveAllAccess, explainAccess, explainDatasetAccess, keyAccess } from './provisioning.js';
export type { AccessDecision, ProvisioningEngine } from './provisioning.js';
export { ScimError, isScimError } from './scim/errors.js';
export { AdminError, isAdminError } from './admin/errors.js';
export type {
  ReferenceServerOptionsErrorCode,
  ScimErrorCode,
  ScimErrorStatus,
  ScimType,
  AdminErrorCode,
  IdpTokenErrorCode,
  IdpUnavailableErrorCode,
  IdpTokenVerifierOptionsErrorCode,
  PayloadCertErrorCode,
  UbiqIdpErrorCode,
} from '../error-codes.js';
export {
  verifyUbiqRequest,
  type VerifyUbiqRequestOptions,
  type UbiqSignatureVerification,
  type UbiqSignatureFailureCode,
  type RequestHeadersLike,
} from '../signing/verify-request.js';
export { createIdpTokenVerifier, bearerToken } from './sso/idp-token-verifier.js';
export type { IdpTokenVerifier, IdpTokenVerifierOptions, VerifiedIdpToken, VerifierFetch, AsymmetricJwsAlgorithm } from './sso/idp-token-verifier.js';
export {
  IdpTokenError,
  isIdpTokenError,
  IdpUnavailableError,
  isIdpUnavailableError,
  IdpTokenVerifierOptionsError,
  isIdpTokenVerifierOptionsError,
} from './sso/idp-token-errors.js';
export type { IdpTokenFailureReason } from './sso/idp-token-errors.js';
export { PayloadCertError, isPayloadCertError } from './ca-errors.js';
export type { PayloadCertFailureReason } from './ca-errors.js';
