// Sessions shared by every process of a user: file format, secure storage, the sign-in lock.
export { SessionError, isSessionError } from './errors.js';
export type { SessionErrorCode, SessionErrorOptions } from './errors.js';
export { sessionLocation, sessionFileName } from './paths.js';
export type { SessionLocation, SessionLocationInput, SessionKey } from './paths.js';
export type { SessionIdentity, SessionRecord, SessionCredentials } from './format.js';
export type { SessionLockOptions } from './lock.js';
