import type { IdpGrant, IdpSettings } from '../config/types.js';
import type { HttpClient } from '../http/index.js';
import { signInWithBrowser } from '../idp/browser.js';
import { signInWithDevice, type DeviceCodePrompt } from '../idp/device.js';
import { isIdpError, type IdpErrorCode } from '../idp/errors.js';
import { refreshIdpToken } from '../idp/grant.js';
import { SignInError } from '../idp/sign-in-errors.js';
import { withVia, type RenewedIdpToken } from '../idp/token.js';
import type { Logger } from '../util/logger.js';

/** How a device or browser sign-in reaches the person. Without these, only a session or refresh token can be used. */
export interface InteractiveSignInOptions {
  /** Device sign-in: shows the verification URL and the user code. Required to sign in with `grant: 'device'`. */
  onDeviceCode?: (prompt: DeviceCodePrompt) => void;
  /**
   * Browser sign-in: told the sign-in URL and whether a browser was opened (print it when not). Giving this
   * (or `openBrowser`, or `grant: 'browser'` in code) allows the provider to open a browser.
   */
  onAuthorizationUrl?: (url: string, opened: boolean) => void;
  /** Browser sign-in: opens the URL; default the system browser (`UBIQ_IDP_BROWSER` names another command, `none` none). */
  openBrowser?: (url: string) => Promise<boolean>;
  /** Browser sign-in: how long to wait for the browser to come back, in ms. Default 300 000. */
  callbackTimeoutMs?: number;
  /** Browser sign-in may start (set when code asked for `grant: 'browser'`). */
  allowBrowser?: boolean;
}

/** Refusals of a refresh token after which a new interactive sign-in can succeed. */
const SIGN_IN_AGAIN: ReadonlySet<IdpErrorCode> = new Set<IdpErrorCode>(['refresh_token_invalid', 'grant_not_enabled']);

/**
 * @internal The token of a device or browser sign-in profile: the refresh token when there is one, else
 * a new sign-in through the person (when the caller gave the means), else a `SignInError` that says to
 * run `ubiq-idp login --device|--browser` once, after which the session serves every app silently.
 */
export async function renewInteractiveToken(
  settings: IdpSettings,
  grant: Exclude<IdpGrant, 'password'>,
  previous: { refreshToken?: string } | undefined,
  interactive: InteractiveSignInOptions,
  request: { httpClient: HttpClient; signal: AbortSignal; logger: Logger; now: () => number; allowInsecureHttp: boolean; timeoutMs?: number },
): Promise<RenewedIdpToken> {
  if (previous?.refreshToken !== undefined) {
    try {
      return withVia(await refreshIdpToken(settings, previous.refreshToken, request), 'refresh_token');
    } catch (error) {
      if (!isIdpError(error) || !SIGN_IN_AGAIN.has(error.code)) throw error;
      request.logger.info?.(`refresh token refused; a new ${grant} sign-in is needed`, { provider: settings.provider, code: error.code });
    }
  }
  const common = { ...request, ...(settings.redirectPort === undefined ? {} : { redirectPort: settings.redirectPort }) };
  if (grant === 'device') {
    const onDeviceCode = interactive.onDeviceCode;
    if (onDeviceCode === undefined) throw interactionRequired(grant);
    return signInWithDevice(settings, { ...common, onDeviceCode });
  }
  if (interactive.allowBrowser !== true && interactive.onAuthorizationUrl === undefined && interactive.openBrowser === undefined) throw interactionRequired(grant);
  return signInWithBrowser(settings, {
    ...common,
    ...(interactive.onAuthorizationUrl === undefined ? {} : { onAuthorizationUrl: interactive.onAuthorizationUrl }),
    ...(interactive.openBrowser === undefined ? {} : { openBrowser: interactive.openBrowser }),
    ...(interactive.callbackTimeoutMs === undefined ? {} : { callbackTimeoutMs: interactive.callbackTimeoutMs }),
  });
}

function interactionRequired(grant: 'device' | 'browser'): SignInError {
  return new SignInError('interaction_required', `This profile signs in with the ${grant} grant, which needs a person, and there is no valid session to use instead`, {
    hint:
      grant === 'device'
        ? 'Run `ubiq-idp login --device` once (apps then use the session silently), or pass onDeviceCode to fromIdp() to show the code yourself.'
        : "Run `ubiq-idp login --browser` once (apps then use the session silently), or pass grant: 'browser' (and onAuthorizationUrl) to fromIdp() to open the browser from the app.",
  });
}
