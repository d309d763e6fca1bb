import * as oidc from 'openid-client';
import * as z from 'zod';
import type { IdpSettings } from '../config/types.js';
import type { FetchIdpTokenOptions } from './grant.js';
import { toIdpError } from './map-error.js';
import { interactiveScope, openIdpClient, tokenFromAnswer, type IdpClient } from './oidc-client.js';
import { PROVIDERS } from './providers.js';
import { SignInError } from './sign-in-errors.js';
import { withVia, type RenewedIdpToken } from './token.js';

/** What the person must do to finish a device sign-in: open `verificationUri` and type `userCode`. */
export interface DeviceCodePrompt {
  /** The code the person types on the verification page. Not a secret on its own; show it. */
  userCode: string;
  verificationUri: string;
  /** The verification page with the code filled in (Okta gives one; Entra does not). */
  verificationUriComplete?: string;
  expiresAt: Date;
  /** Polling interval the IdP asked for, in seconds. */
  intervalSeconds: number;
  /** The IdP's own instruction (Entra), control characters removed. */
  message?: string;
}

/** A started device authorization: show `prompt`, then pass it to `pollDeviceAuthorizationGrant`. */
export interface DeviceAuthorization {
  readonly prompt: DeviceCodePrompt;
}

/**
 * The client and the IdP's answer (device code included: a secret) of each started authorization, kept
 * out of the object itself so that no inspect, JSON or log of it can show the device code.
 */
const internals = new WeakMap<DeviceAuthorization, { client: IdpClient; response: oidc.DeviceAuthorizationResponse }>();

/** @internal The client and the IdP's answer behind an authorization (tests). */
export function deviceAuthorizationInternals(authorization: DeviceAuthorization): { client: IdpClient; response: oidc.DeviceAuthorizationResponse } {
  const found = internals.get(authorization);
  if (found === undefined) {
    throw new SignInError('unknown_device_authorization', 'This is not a DeviceAuthorization returned by initiateDeviceAuthorization().', {
      hint: 'Pass the object initiateDeviceAuthorization() resolved to, as it is (not a copy or a JSON round trip), or use signInWithDevice().',
    });
  }
  return found;
}

const promptSchema = z.object({
  user_code: z.string().min(1).max(64),
  verification_uri: z.url({ protocol: /^https?$/ }),
  verification_uri_complete: z.url({ protocol: /^https?$/ }).optional(),
  expires_in: z.number().positive(),
  interval: z.number().positive().optional(),
  message: z.string().optional(),
});

/** Removes control characters (terminal escapes) from text the IdP sent before it reaches a terminal. */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

const SETUP: Record<'okta' | 'entra', { notSupported: string; denied: string; expired: string; badCode: string }> = {
  okta: {
    notSupported:
      'In the Okta Admin Console, open the Native OIDC application → General → Grant type and tick "Device Authorization" (it is offered for Native apps), then save.',
    denied: 'The person declined on the Okta activation page, or the sign-on policy refused them: run the sign-in again and choose Allow; if Okta refused, check the app\'s sign-on policy and that the user is assigned to the application.',
    expired: 'The code expired before the sign-in was finished (Okta gives 10 minutes): run `ubiq-idp login --device` again and finish on the activation page sooner.',
    badCode: 'Okta does not know this device code (already used, or issued for another application): start a new sign-in with `ubiq-idp login --device`.',
  },
  entra: {
    notSupported:
      'In the Entra admin center, App registrations → your application → Authentication → Advanced settings: set "Allow public client flows" to Yes (the device code flow needs it), then save.',
    denied: 'The person declined on the Microsoft device login page: run the sign-in again and approve it; if Conditional Access blocked it, ask the administrator to allow this application.',
    expired: 'The code expired before the sign-in was finished (Entra gives 15 minutes): run `ubiq-idp login --device` again and finish at the device login page sooner.',
    badCode: 'Entra does not recognise this device code: start a new sign-in with `ubiq-idp login --device`.',
  },
};

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function initiateDeviceAuthorization(settings: IdpSettings, options: FetchIdpTokenOptions = {}): Promise<DeviceAuthorization> {
  const client = await openIdpClient(settings, 'device_code', options);
  if (client.config.serverMetadata().device_authorization_endpoint === undefined) {
    await client.close();
    throw new SignInError('grant_not_supported', `${PROVIDERS[settings.provider].displayName} advertises no device authorization endpoint in its discovery document`, {
      hint: SETUP[settings.provider].notSupported,
    });
  }
  let deviceCode: string | undefined;
  try {
    const response = await oidc.initiateDeviceAuthorization(client.config, { scope: interactiveScope(settings) });
    deviceCode = response.device_code;
    const parsed = promptSchema.safeParse(response);
    // Caught just below and mapped, with the IdP's status and correlation, to an IdpError (`invalid_response`).
    if (!parsed.success) throw new TypeError('the device authorization response lacks user_code, verification_uri or expires_in');
    const received = (options.now ?? Date.now)();
    const prompt: DeviceCodePrompt = {
      userCode: stripControl(parsed.data.user_code),
      verificationUri: parsed.data.verification_uri,
      ...(parsed.data.verification_uri_complete === undefined ? {} : { verificationUriComplete: parsed.data.verification_uri_complete }),
      expiresAt: new Date(received + parsed.data.expires_in * 1000),
      intervalSeconds: parsed.data.interval ?? 5,
      ...(parsed.data.message === undefined ? {} : { message: stripControl(parsed.data.message).slice(0, 500) }),
    };
    // The device code is a secret: kept off the enumerable surface so it never lands in a log of the object.
    const authorization: DeviceAuthorization = { prompt };
    internals.set(authorization, { client, response });
    return authorization;
  } catch (error) {
    await client.close();
    // A device code openid-client refused is scrubbed by the mapper (device_code is a secret response field).
    throw await toIdpError(error, client.lastStatus(), { ...client.context, secrets: [...client.context.secrets, deviceCode] }, options.signal);
  }
}

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function pollDeviceAuthorizationGrant(authorization: DeviceAuthorization, options: FetchIdpTokenOptions = {}): Promise<RenewedIdpToken> {
  const { client, response } = deviceAuthorizationInternals(authorization);
  const provider = client.context.provider;
  const context = { ...client.context, secrets: [...client.context.secrets, response.device_code] };
  try {
    const result = await oidc.pollDeviceAuthorizationGrant(client.config, response, undefined, options.signal === undefined ? {} : { signal: options.signal });
    return withVia(tokenFromAnswer({ ...client, context }, result, (options.now ?? Date.now)()), 'device');
  } catch (error) {
    if (options.signal?.aborted === true) throw new SignInError('cancelled', 'The device sign-in was cancelled', { hint: 'Run the sign-in again when you are ready.' });
    const oauthError = error instanceof oidc.ResponseBodyError ? error.error : undefined;
    const setup = SETUP[provider];
    const name = PROVIDERS[provider].displayName;
    if (oauthError === 'access_denied' || oauthError === 'authorization_declined') {
      throw new SignInError('access_denied', `${name} refused the device sign-in: the person declined or a policy denied it (${oauthError})`, { hint: setup.denied });
    }
    if (oauthError === 'expired_token') throw new SignInError('expired_token', `${name} refused the device sign-in: the code expired before it was finished (expired_token)`, { hint: setup.expired });
    if (oauthError === 'bad_verification_code' || oauthError === 'invalid_grant') {
      throw new SignInError('bad_verification_code', `${name} refused the device sign-in: it does not know this device code (${oauthError})`, { hint: setup.badCode });
    }
    throw await toIdpError(error, client.lastStatus(), context, options.signal);
  } finally {
    await client.close();
  }
}

/** Options of {@link signInWithDevice}. */
export interface DeviceSignInOptions extends FetchIdpTokenOptions {
  /** Shows the verification URL and user code to the person. Required: without it nobody can finish. */
  onDeviceCode: (prompt: DeviceCodePrompt) => void;
}

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function signInWithDevice(settings: IdpSettings, options: DeviceSignInOptions): Promise<RenewedIdpToken> {
  const authorization = await initiateDeviceAuthorization(settings, options);
  try {
    options.onDeviceCode(authorization.prompt);
  } catch (error) {
    await deviceAuthorizationInternals(authorization).client.close();
    throw error;
  }
  return pollDeviceAuthorizationGrant(authorization, options);
}
