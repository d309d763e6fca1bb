import { errorGuard, UbiqIdpError } from '../errors.js';
import type { DemoStepErrorCode } from '../error-codes.js';

export type { DemoStepErrorCode } from '../error-codes.js';

/**
 * A check of `ubiq-idp demo` failed: a step ran but the end-to-end flow did not behave as it must (a key
 * refused or issued when the provisioning rules say otherwise, a decrypted text that differs, a step left
 * without what an earlier one should have produced). The demo shows the message and hint, and goes on to
 * its summary; the exit status is 1.
 *
 * @example
 * if (opened !== SAMPLE) throw new DemoStepError('the decrypted text differs from the sample');
 */
export class DemoStepError extends UbiqIdpError<DemoStepErrorCode> {
  static override readonly errorName = 'DemoStepError';
  constructor(message: string) {
    super('demo_step_failed', message, {
      hint: 'The demo runs only against in-process emulators and the reference server, so this is a bug in ubiq-idp: report it with the output of `ubiq-idp demo --json`.',
    });
  }
}

/** True when `value` is a {@link DemoStepError}. */
export const isDemoStepError = errorGuard<DemoStepError>('DemoStepError');
