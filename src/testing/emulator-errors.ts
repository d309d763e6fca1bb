import { UbiqIdpError } from '../errors.js';

/**
 * Thrown by an emulator's management API when a test uses it wrongly: an unknown user, group or app, a
 * duplicate, a malformed id, a negative fault count, `listen()` twice. Never thrown for token requests:
 * those get the IdP's own HTTP error answers.
 *
 * @example
 * try { okta.removeUser('nobody@example.com'); } catch (error) { if (isEmulatorUsageError(error)) console.log(error.message); }
 */
export class EmulatorUsageError extends UbiqIdpError {
  constructor(message: string, hint?: string) {
    super('emulator_usage', message, { hint: hint ?? 'Check the emulator options and management calls in the test.' });
    this.name = 'EmulatorUsageError';
  }
}

/** True when `value` is an `EmulatorUsageError` (matched by name, so it works across bundles). */
export function isEmulatorUsageError(value: unknown): value is EmulatorUsageError {
  return value instanceof Error && value.name === 'EmulatorUsageError';
}
