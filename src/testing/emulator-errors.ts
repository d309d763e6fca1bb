import { errorGuard, UbiqIdpError } from '../errors.js';
import type { EmulatorUsageErrorCode } from '../error-codes.js';

export type { EmulatorUsageErrorCode } from '../error-codes.js';

/**
 * Thrown by an emulator's management API when a test uses it wrongly: an unknown user, group or app, a
 * duplicate, a malformed id, a negative fault count, `listen()` twice. Never thrown for token requests:
 * those get the IdP's own HTTP error answers.
 *
 * @example
 * try { okta.removeUser('nobody@example.com'); } catch (error) { if (isEmulatorUsageError(error)) console.log(error.message); }
 */
export class EmulatorUsageError extends UbiqIdpError<EmulatorUsageErrorCode> {
  static override readonly errorName = 'EmulatorUsageError';
  constructor(message: string, hint?: string) {
    super('emulator_usage', message, { hint: hint ?? 'Check the emulator options and management calls in the test.' });
  }
}

/** True when `value` is an `EmulatorUsageError`, also one made by another copy of this package. */
export const isEmulatorUsageError = errorGuard<EmulatorUsageError>('EmulatorUsageError');
