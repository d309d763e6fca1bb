// Ubiq request signing: the client side (sign) and the server side (verify).
export { SigningError, isSigningError, type SigningErrorCode } from './errors.js';
export {
  signUbiqRequest,
  ubiqDigest,
  UBIQ_SIGNED_HEADERS,
  UBIQ_SIGNATURE_ALGORITHM,
  type SignUbiqRequestOptions,
  type UbiqSignatureHeaders,
  type UbiqSigningCredentials,
} from './sign-request.js';
export {
  verifyUbiqRequest,
  type RequestHeadersLike,
  type UbiqSignatureFailureCode,
  type UbiqSignatureVerification,
  type VerifyUbiqRequestOptions,
} from './verify-request.js';
