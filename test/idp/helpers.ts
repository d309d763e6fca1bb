// Shared by the IdP token tests.
import { isIdpError, type IdpError } from '../../src/idp/index.js';

/** The IdpError a call rejects with; throws (failing the test) when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<IdpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isIdpError(error)) throw new Error(`expected an IdpError, got ${String(error)}`);
  return error;
}
