// ubiq-idp: the client surface. Re-exports only; must not import server or testing code.
export { UbiqIdpError, isUbiqIdpError } from './errors.js';
export { REDACTED } from './util/redact.js';
