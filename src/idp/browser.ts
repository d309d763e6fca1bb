import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { IdpSettings } from '../config/types.js';
import type { FetchIdpTokenOptions } from './grant.js';
import { listenLoopback } from './loopback.js';
import { toIdpError } from './map-error.js';
import { interactiveScope, openIdpClient, tokenFromAnswer } from './oidc-client.js';
import { PROVIDERS } from './providers.js';
import { isSignInError, SignInError } from './sign-in-errors.js';
import { withVia, type RenewedIdpToken } from './token.js';

/** Options of {@link signInWithBrowser}. */
export interface BrowserSignInOptions extends FetchIdpTokenOptions {
  /** Port of the loopback redirect listener on 127.0.0.1. Default 0: any free port (Entra accepts any port on a loopback redirect URI; Okta needs the exact URI registered). */
  redirectPort?: number;
  /** How long to wait for the browser to come back, in ms. Default 300 000 (5 min). */
  callbackTimeoutMs?: number;
  /**
   * Opens the URL in a browser; resolves false when none could be opened. Default: the command named by
   * `UBIQ_IDP_BROWSER` (`none` to never open one), else the system browser (the `open` package), except
   * on a Linux machine without a display (SSH), where the URL is only printed.
   */
  openBrowser?: (url: string) => Promise<boolean>;
  /** Told the sign-in URL and whether a browser was opened: print it so the person can open it by hand. */
  onAuthorizationUrl?: (url: string, opened: boolean) => void;
}

const PAGE_STYLE = 'body{font-family:sans-serif;max-width:30rem;margin:4rem auto;padding:0 1rem}';
function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${PAGE_STYLE}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

const SETUP: Record<'okta' | 'entra', { notSupported: string; redirect: string }> = {
  okta: {
    notSupported: 'The Okta authorization server advertises no authorization endpoint: check token_endpoint_url (…/oauth2/v1/token or …/oauth2/{id}/v1/token).',
    redirect:
      'In the Okta Admin Console, Native OIDC application → General → Grant type: tick "Authorization Code"; under LOGIN add the Sign-in redirect URI http://127.0.0.1:{port}/callback (set redirect_port to that port).',
  },
  entra: {
    notSupported: 'Entra advertises no authorization endpoint: check token_endpoint_url (…/{tenant}/oauth2/v2.0/token).',
    redirect: 'In the Entra admin center, App registrations → your application → Authentication → + Add a platform → "Mobile and desktop applications": add the custom redirect URI http://127.0.0.1/callback (Entra accepts any port on it).',
  },
};

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function openSystemBrowser(url: string, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  const command = env.UBIQ_IDP_BROWSER?.trim();
  if (command === 'none') return false;
  if (command !== undefined && command !== '') {
    // No shell: the URL is one argument, never interpreted.
    return new Promise<boolean>((resolve) => {
      const child = spawn(command, [url], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    });
  }
  if (process.platform === 'linux' && env.DISPLAY === undefined && env.WAYLAND_DISPLAY === undefined) return false;
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    child.once('error', () => {});
    return true;
  } catch {
    return false;
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// Exported by ubiq-idp through idp/index.ts, which loads this module on its first call (the TSDoc is there).
export async function signInWithBrowser(settings: IdpSettings, options: BrowserSignInOptions = {}): Promise<RenewedIdpToken> {
  const client = await openIdpClient(settings, 'authorization_code', options);
  const name = PROVIDERS[settings.provider].displayName;
  const setup = SETUP[settings.provider];
  const metadata = client.config.serverMetadata();
  let closeListener: (() => Promise<void>) | undefined;
  try {
    if (metadata.authorization_endpoint === undefined) {
      throw new SignInError('grant_not_supported', `${name} advertises no authorization endpoint in its discovery document`, { hint: setup.notSupported });
    }
    const methods = metadata.code_challenge_methods_supported;
    if (methods !== undefined && !methods.includes('S256')) {
      throw new SignInError('grant_not_supported', `${name} does not advertise PKCE with S256 (code_challenge_methods_supported)`, { hint: setup.notSupported });
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const listener = await listenLoopback({
      ...(options.redirectPort === undefined ? {} : { port: options.redirectPort }),
      timeoutMs: options.callbackTimeoutMs ?? 300_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      page: (url) =>
        url.searchParams.has('code') && !url.searchParams.has('error')
          ? { status: 200, html: page('Signed in', 'You can close this tab and return to the terminal.') }
          : { status: 400, html: page('Sign-in did not complete', 'Return to the terminal to see why.') },
    });
    closeListener = listener.close;
    const authorizationUrl = oidc.buildAuthorizationUrl(client.config, {
      redirect_uri: listener.redirectUri,
      scope: interactiveScope(settings),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const opened = await (options.openBrowser ?? openSystemBrowser)(authorizationUrl.href);
    options.onAuthorizationUrl?.(authorizationUrl.href, opened);

    const received = await listener.callback;
    const expected = new URL(listener.redirectUri);
    const callbackUrl = new URL(`${received.pathname}${received.search}`, expected.origin);
    const code = callbackUrl.searchParams.get('code');
    client.context.secrets.push(verifier, code ?? undefined);
    if (callbackUrl.pathname !== expected.pathname) {
      throw new SignInError('invalid_callback', `The loopback listener got a request for another path than ${expected.pathname}; the sign-in was abandoned`, {
        hint: 'Run the sign-in again and finish it in the browser window it opens.',
      });
    }
    if (!sameText(callbackUrl.searchParams.get('state') ?? '', state)) {
      throw new SignInError('state_mismatch', 'The browser came back with a state that is not the one this sign-in sent: a stale or forged redirect was refused', {
        hint: 'Run the sign-in again, and finish it in the browser window it opens (not an older tab).',
      });
    }
    const error = callbackUrl.searchParams.get('error');
    if (error !== null) {
      const denied = error === 'access_denied';
      throw new SignInError(denied ? 'access_denied' : 'invalid_callback', `${name} ended the browser sign-in with ${error.replace(/[^\w.-]/g, '').slice(0, 60)}`, {
        hint: denied ? 'The person declined, or a sign-on policy refused them: run the sign-in again, or ask the administrator to assign the user to the application.' : setup.redirect,
      });
    }
    if (code === null || code === '') {
      throw new SignInError('invalid_callback', 'The redirect to the loopback listener carried no authorization code', { hint: setup.redirect });
    }
    const result = await oidc.authorizationCodeGrant(client.config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, { redirect_uri: listener.redirectUri });
    return withVia(tokenFromAnswer(client, result, (options.now ?? Date.now)()), 'browser');
  } catch (error) {
    if (isSignInError(error)) throw error;
    if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant') {
      throw new SignInError('code_rejected', `${name} refused to redeem the authorization code (invalid_grant: expired, already used, or the PKCE verifier did not match)`, {
        hint: 'Run the sign-in again; if it keeps failing, check that nothing else handles the redirect to http://127.0.0.1.',
      });
    }
    if (options.signal?.aborted === true) throw new SignInError('cancelled', 'The browser sign-in was cancelled', { hint: 'Run the sign-in again when you are ready.' });
    throw await toIdpError(error, client.lastStatus(), client.context, options.signal);
  } finally {
    await closeListener?.();
    await client.close();
  }
}
