/**
 * @internal The login worker cannot do this login: it could not be started, it died, or (`declined`) the
 * login needs what only the application's thread has (a person's sign-in callbacks). The provider then
 * logs in on its own thread.
 */
export class LoginWorkerUnavailable extends Error {
  readonly declined: boolean;
  constructor(reason: string, options: { cause?: unknown; declined?: boolean } = {}) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LoginWorkerUnavailable';
    this.declined = options.declined === true;
  }
}
