import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorClock } from './emulator-clock.js';
import { EmulatorUsageError } from './emulator-errors.js';
import { randomToken, readForm, secretEquals } from './emulator-host.js';
import { consentPage, deviceApprovePage, deviceCodePage, messagePage, signInPage, totpPage, type PageContext } from './emulator-pages.js';
import { totpCode, verifyTotp } from './emulator-totp.js';

/** @internal A user as the interactive sign-in sees it. */
export interface InteractiveUser {
  id: string;
  login: string;
  /** Base32 TOTP secret when the user has a second factor (the sign-in then asks for it). */
  totpSecret: string | undefined;
}

/** @internal Errors of the device and code grants at the token endpoint, shaped by each provider. */
export type InteractiveTokenError =
  | 'authorization_pending'
  | 'slow_down'
  | 'access_denied'
  | 'expired_token'
  | 'bad_verification_code'
  | 'invalid_code'
  | 'redirect_uri_mismatch'
  | 'pkce_mismatch';

/** @internal What a provider tells the interactive sign-in. `C` is the provider's per-request context (an Okta authorization server). */
export interface InteractiveHooks<C> {
  brand: string;
  clock: EmulatorClock;
  /** Path prefix of the sign-in pages (`/signin`). */
  pagesPath: string;
  /** The device verification page's absolute URL. */
  verificationUri(): string;
  /** Formats a user code for display (Okta `ABCD-EFGH`, Entra `ABCDEFGHJ`). */
  formatUserCode(code: string): string;
  /** Whether the device authorization response carries `verification_uri_complete` (Okta yes, Entra no). */
  verificationUriComplete: boolean;
  deviceCodeLifetimeSeconds: number;
  /** Entra's `message` field. */
  deviceMessage?(verificationUri: string, userCode: string): string;
  appName(clientId: string): string | undefined;
  /** Undefined when this redirect URI is registered for the client; else the reason (shown on an error page). */
  checkRedirectUri(clientId: string, redirectUri: string): string | undefined;
  /** Undefined when the client may use the grant; else an OAuth `error` for the redirect. */
  checkGrant(clientId: string, grant: 'authorization_code' | 'device_code'): string | undefined;
  /** Checks username + password and the account's state; the user, or the message the page shows. */
  verifyPassword(username: string, password: string): InteractiveUser | string;
  findUser(id: string): InteractiveUser | undefined;
  needsConsent(clientId: string, userId: string): boolean;
  recordConsent(clientId: string, userId: string): void;
  /** Issues the token response for a finished sign-in, with the same issuer and audience as the password grant. */
  issue(grant: IssuedGrant<C>, request: Request): Promise<Response>;
  tokenError(kind: InteractiveTokenError, request: Request): Response;
  /** The provider's OAuth error for the device authorization endpoint (bad client, grant not enabled). */
  deviceError(error: string, description: string, request: Request): Response;
}

/** @internal What a finished sign-in hands to `issue`. */
export interface IssuedGrant<C> {
  clientId: string;
  userId: string;
  scope: string;
  context: C;
  nonce: string | undefined;
  authTime: number;
  /** `pwd`, plus `otp` and `mfa` when a second factor was given. */
  amr: string[];
}

interface AuthorizeRequest {
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string;
}

interface Transaction<C> {
  id: string;
  csrf: string;
  clientId: string | undefined;
  scope: string;
  context: C | undefined;
  step: 'user_code' | 'password' | 'totp' | 'consent' | 'device_approve';
  userId: string | undefined;
  amr: string[];
  authorize: AuthorizeRequest | undefined;
  deviceCode: string | undefined;
  expiresAt: number;
}

interface DeviceEntry<C> {
  clientId: string;
  scope: string;
  context: C;
  userCode: string;
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  userId: string | undefined;
  amr: string[];
  authTime: number;
  expiresAt: number;
  intervalSeconds: number;
  lastPollAt: number | undefined;
}

interface CodeEntry<C> extends AuthorizeRequest {
  clientId: string;
  scope: string;
  context: C;
  userId: string;
  amr: string[];
  authTime: number;
  expiresAt: number;
}

/** @internal The interactive side of an emulator (see `createInteractiveSignIn`). */
export interface InteractiveSignIn<C> {
  /** GET authorization endpoint: validates the request and shows the sign-in page. */
  authorize(request: Request, context: C): Response;
  /** POST device authorization endpoint (client already authenticated by the provider). */
  deviceAuthorization(form: URLSearchParams, clientId: string, context: C, request: Request): Response;
  /** GET/POST of the sign-in pages and the device verification page. */
  page(request: Request): Promise<Response>;
  /** The `authorization_code` and device code grants of the token endpoint. */
  tokenGrant(grantType: 'authorization_code' | 'device_code', form: URLSearchParams, clientId: string, request: Request): Promise<Response>;
  /** True for paths served by `page`. */
  ownsPath(pathname: string): boolean;
  totp(user: InteractiveUser): string;
  approveDevice(userCode: string, user: InteractiveUser): void;
  denyDevice(userCode: string): void;
  /** User codes of device authorizations still waiting for the person, newest last. */
  pendingUserCodes(): string[];
}

const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const TRANSACTION_LIFETIME_MS = 10 * 60_000;
const CODE_LIFETIME_MS = 60_000;
/** The polling interval the emulators announce (real IdPs: 5 s); small so tests do not wait. */
export const DEVICE_INTERVAL_SECONDS = 1;

function randomUserCode(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += USER_CODE_ALPHABET[byte % USER_CODE_ALPHABET.length];
  return out;
}
function normaliseUserCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}
function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store', ...headers } });
}
function withCookie(response: Response, cookie: string): Response {
  const headers = new Headers(response.headers);
  headers.append('set-cookie', cookie);
  return new Response(response.body, { status: response.status, headers });
}

/**
 * @internal The browser side of an emulated IdP: the authorization endpoint (code + PKCE S256, state,
 * nonce), the device authorization endpoint and verification page (RFC 8628), and the pages between them
 * (username + password, TOTP for users with a second factor, consent where configured). Every form is
 * CSRF-protected: a per-transaction token in a hidden field that must equal the one in a SameSite cookie.
 */
export function createInteractiveSignIn<C>(hooks: InteractiveHooks<C>): InteractiveSignIn<C> {
  const { clock } = hooks;
  const transactions = new Map<string, Transaction<C>>();
  const devices = new Map<string, DeviceEntry<C>>(); // by device code
  const codes = new Map<string, CodeEntry<C>>();
  const action = `${hooks.pagesPath}/step`;
  const devicePath = new URL(hooks.verificationUri()).pathname;

  function sweep(): void {
    const now = clock.now();
    for (const [id, tx] of transactions) if (tx.expiresAt <= now) transactions.delete(id);
    for (const [code, entry] of codes) if (entry.expiresAt <= now) codes.delete(code);
  }
  function newTransaction(fields: Pick<Transaction<C>, 'clientId' | 'scope' | 'context' | 'step' | 'authorize' | 'deviceCode'>): Transaction<C> {
    sweep();
    const tx: Transaction<C> = { id: randomToken(16), csrf: randomToken(24), userId: undefined, amr: [], expiresAt: clock.now() + TRANSACTION_LIFETIME_MS, ...fields };
    transactions.set(tx.id, tx);
    return tx;
  }
  const pageContext = (tx: Transaction<C>): PageContext => ({ brand: hooks.brand, action, transaction: tx.id, csrf: tx.csrf });
  /** The first page of a transaction sets its CSRF cookie (SameSite=Lax: a cross-site POST does not carry it). */
  const firstPage = (tx: Transaction<C>, response: Response) =>
    withCookie(response, `emu_csrf_${tx.id}=${tx.csrf}; Path=${hooks.pagesPath}; HttpOnly; SameSite=Lax`);
  const errorPage = (title: string, message: string, status = 400) => messagePage(hooks.brand, title, message, status);

  function authorize(request: Request, context: C): Response {
    const params = new URL(request.url).searchParams;
    const clientId = params.get('client_id') ?? '';
    const appName = hooks.appName(clientId);
    if (appName === undefined) return errorPage('Sign-in error', `The client_id "${clientId}" is not known to this ${hooks.brand} organization.`);
    const redirectUri = params.get('redirect_uri') ?? '';
    const redirectProblem = hooks.checkRedirectUri(clientId, redirectUri);
    if (redirectProblem !== undefined) return errorPage('Sign-in error', redirectProblem);
    const state = params.get('state') ?? undefined;
    const back = (error: string, description: string) => {
      const target = new URL(redirectUri);
      target.searchParams.set('error', error);
      target.searchParams.set('error_description', description);
      if (state !== undefined) target.searchParams.set('state', state);
      return redirect(target.href);
    };
    if (params.get('response_type') !== 'code') return back('unsupported_response_type', 'The response type is not supported by the authorization server. Configured response types: [code].');
    const grantProblem = hooks.checkGrant(clientId, 'authorization_code');
    if (grantProblem !== undefined) return back(grantProblem, 'The client is not authorized to use the provided grant type.');
    const codeChallenge = params.get('code_challenge') ?? '';
    if (codeChallenge === '' || params.get('code_challenge_method') !== 'S256') {
      return back('invalid_request', "PKCE code challenge is required and 'code_challenge_method' must be S256.");
    }
    const tx = newTransaction({
      clientId,
      scope: params.get('scope') ?? '',
      context,
      step: 'password',
      authorize: { redirectUri, state, nonce: params.get('nonce') ?? undefined, codeChallenge },
      deviceCode: undefined,
    });
    return firstPage(tx, signInPage(pageContext(tx), appName));
  }

  function deviceAuthorization(form: URLSearchParams, clientId: string, context: C, request: Request): Response {
    const grantProblem = hooks.checkGrant(clientId, 'device_code');
    if (grantProblem !== undefined) return hooks.deviceError(grantProblem, 'The client is not authorized to use the provided grant type.', request);
    const deviceCode = randomToken(32);
    const userCode = randomUserCode(8);
    const now = clock.now();
    devices.set(deviceCode, {
      clientId,
      scope: form.get('scope') ?? '',
      context,
      userCode,
      status: 'pending',
      userId: undefined,
      amr: [],
      authTime: 0,
      expiresAt: now + hooks.deviceCodeLifetimeSeconds * 1000,
      intervalSeconds: DEVICE_INTERVAL_SECONDS,
      lastPollAt: undefined,
    });
    const verificationUri = hooks.verificationUri();
    const shown = hooks.formatUserCode(userCode);
    const body: Record<string, unknown> = {
      device_code: deviceCode,
      user_code: shown,
      verification_uri: verificationUri,
      expires_in: hooks.deviceCodeLifetimeSeconds,
      interval: DEVICE_INTERVAL_SECONDS,
    };
    if (hooks.verificationUriComplete) body.verification_uri_complete = `${verificationUri}?user_code=${encodeURIComponent(shown)}`;
    if (hooks.deviceMessage !== undefined) body.message = hooks.deviceMessage(verificationUri, shown);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' } });
  }

  function deviceByUserCode(input: string): [string, DeviceEntry<C>] | undefined {
    const wanted = normaliseUserCode(input);
    for (const entry of devices) if (entry[1].userCode === wanted) return entry;
    return undefined;
  }

  /** Moves a signed-in transaction on: TOTP, consent, then the redirect (code) or the device question. */
  function advance(tx: Transaction<C>, user: InteractiveUser): Response {
    const clientId = tx.clientId ?? '';
    const appName = hooks.appName(clientId) ?? clientId;
    if (tx.step === 'password' && user.totpSecret !== undefined) {
      tx.step = 'totp';
      return totpPage(pageContext(tx));
    }
    if ((tx.step === 'password' || tx.step === 'totp') && hooks.needsConsent(clientId, user.id)) {
      tx.step = 'consent';
      return consentPage(pageContext(tx), appName, tx.scope.split(/\s+/).filter((s) => s !== ''));
    }
    if (tx.deviceCode !== undefined) {
      tx.step = 'device_approve';
      return deviceApprovePage(pageContext(tx), appName);
    }
    return finishAuthorize(tx, user);
  }

  function finishAuthorize(tx: Transaction<C>, user: InteractiveUser): Response {
    const request = tx.authorize;
    transactions.delete(tx.id);
    if (request === undefined || tx.clientId === undefined) return errorPage('Sign-in error', 'This sign-in is not valid any more.');
    const code = randomToken(32);
    codes.set(code, { ...request, clientId: tx.clientId, scope: tx.scope, context: tx.context as C, // set with the authorize request
      userId: user.id, amr: tx.amr, authTime: Math.floor(clock.now() / 1000), expiresAt: clock.now() + CODE_LIFETIME_MS });
    const target = new URL(request.redirectUri);
    target.searchParams.set('code', code);
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    return redirect(target.href);
  }

  function denyAuthorize(tx: Transaction<C>): Response {
    transactions.delete(tx.id);
    const request = tx.authorize;
    if (request === undefined) return errorPage('Sign-in error', 'This sign-in is not valid any more.');
    const target = new URL(request.redirectUri);
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The resource owner or authorization server denied the request.');
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    return redirect(target.href);
  }

  async function page(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === devicePath) {
      const tx = newTransaction({ clientId: undefined, scope: '', context: undefined, step: 'user_code', authorize: undefined, deviceCode: undefined });
      return firstPage(tx, deviceCodePage(pageContext(tx), url.searchParams.get('user_code') ?? ''));
    }
    if (request.method !== 'POST' || url.pathname !== action) return errorPage('Not found', 'There is no page here.', 404);
    const form = await readForm(request);
    const tx = form === undefined ? undefined : transactions.get(form.get('transaction') ?? '');
    if (form === undefined || tx === undefined || tx.expiresAt <= clock.now()) {
      return errorPage('Sign-in expired', 'This sign-in page has expired. Start again from your application.');
    }
    // CSRF: the hidden token must match both the transaction and the cookie its first page set.
    const csrf = form.get('csrf') ?? '';
    if (!secretEquals(csrf, tx.csrf) || !secretEquals(cookieOf(request, `emu_csrf_${tx.id}`), tx.csrf)) {
      return errorPage('Request refused', 'The request could not be verified (CSRF check failed). Start again from your application.', 403);
    }
    const step = form.get('step') ?? '';
    const user = tx.userId === undefined ? undefined : hooks.findUser(tx.userId);
    if (tx.step === 'user_code' && step === 'user_code') {
      const found = deviceByUserCode(form.get('user_code') ?? '');
      if (found === undefined || found[1].status !== 'pending' || found[1].expiresAt <= clock.now()) {
        return deviceCodePage(pageContext(tx), '', 'That code is not valid or has expired. Check the code on your device and try again.');
      }
      tx.deviceCode = found[0];
      tx.clientId = found[1].clientId;
      tx.scope = found[1].scope;
      tx.context = found[1].context;
      tx.step = 'password';
      return signInPage(pageContext(tx), hooks.appName(found[1].clientId) ?? found[1].clientId);
    }
    if (tx.step === 'password' && step === 'password') {
      const result = hooks.verifyPassword(form.get('username') ?? '', form.get('password') ?? '');
      if (typeof result === 'string') return signInPage(pageContext(tx), hooks.appName(tx.clientId ?? '') ?? '', result);
      tx.userId = result.id;
      tx.amr = ['pwd'];
      return advance(tx, result);
    }
    if (user === undefined) return errorPage('Sign-in error', 'This sign-in is not valid any more.');
    if (tx.step === 'totp' && step === 'totp') {
      if (user.totpSecret === undefined || !verifyTotp(user.totpSecret, form.get('otp') ?? '', clock.now())) {
        return totpPage(pageContext(tx), 'That code is not correct. Enter the current code from your authenticator app.');
      }
      tx.amr = ['pwd', 'otp', 'mfa'];
      return advance(tx, user);
    }
    if (tx.step === 'consent' && (step === 'consent_allow' || step === 'consent_deny')) {
      if (step === 'consent_deny') return tx.deviceCode === undefined ? denyAuthorize(tx) : finishDevice(tx, undefined);
      hooks.recordConsent(tx.clientId ?? '', user.id);
      if (tx.deviceCode === undefined) return finishAuthorize(tx, user);
      tx.step = 'device_approve';
      return deviceApprovePage(pageContext(tx), hooks.appName(tx.clientId ?? '') ?? '');
    }
    if (tx.step === 'device_approve' && (step === 'device_allow' || step === 'device_deny')) {
      return finishDevice(tx, step === 'device_allow' ? user : undefined);
    }
    return errorPage('Sign-in error', 'That step is not expected now. Start again from your application.');
  }

  function finishDevice(tx: Transaction<C>, user: InteractiveUser | undefined): Response {
    transactions.delete(tx.id);
    const entry = tx.deviceCode === undefined ? undefined : devices.get(tx.deviceCode);
    if (entry === undefined || entry.status !== 'pending') return errorPage('Sign-in error', 'This device sign-in is not valid any more.');
    if (user === undefined) {
      entry.status = 'denied';
      return messagePage(hooks.brand, 'Sign-in cancelled', 'You cancelled the sign-in. You can close this window.');
    }
    entry.status = 'approved';
    entry.userId = user.id;
    entry.amr = tx.amr;
    entry.authTime = Math.floor(clock.now() / 1000);
    return messagePage(hooks.brand, 'Device activated', 'You are signed in on your device. You can close this window.');
  }

  async function tokenGrant(grantType: 'authorization_code' | 'device_code', form: URLSearchParams, clientId: string, request: Request): Promise<Response> {
    const now = clock.now();
    if (grantType === 'device_code') {
      const deviceCode = form.get('device_code') ?? '';
      const entry = devices.get(deviceCode);
      if (entry === undefined || entry.clientId !== clientId || entry.status === 'redeemed') return hooks.tokenError('bad_verification_code', request);
      if (entry.expiresAt <= now) return hooks.tokenError('expired_token', request);
      if (entry.status === 'denied') return hooks.tokenError('access_denied', request);
      const tooSoon = entry.lastPollAt !== undefined && now - entry.lastPollAt < entry.intervalSeconds * 1000 - 250;
      entry.lastPollAt = now;
      if (entry.status === 'pending') {
        if (tooSoon) {
          entry.intervalSeconds += 5;
          return hooks.tokenError('slow_down', request);
        }
        return hooks.tokenError('authorization_pending', request);
      }
      entry.status = 'redeemed';
      return hooks.issue({ clientId, userId: entry.userId ?? '', scope: entry.scope, context: entry.context, nonce: undefined, authTime: entry.authTime, amr: entry.amr }, request);
    }
    const code = form.get('code') ?? '';
    const entry = codes.get(code);
    codes.delete(code); // one use only, whatever the outcome
    if (entry === undefined || entry.clientId !== clientId || entry.expiresAt <= now) return hooks.tokenError('invalid_code', request);
    if (form.get('redirect_uri') !== entry.redirectUri) return hooks.tokenError('redirect_uri_mismatch', request);
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (verifier === '' || !secretEquals(challenge, entry.codeChallenge)) return hooks.tokenError('pkce_mismatch', request);
    return hooks.issue({ clientId, userId: entry.userId, scope: entry.scope, context: entry.context, nonce: entry.nonce, authTime: entry.authTime, amr: entry.amr }, request);
  }

  function requireDevice(userCode: string): DeviceEntry<C> {
    const found = deviceByUserCode(userCode);
    if (found === undefined) throw new EmulatorUsageError(`no device authorization has the user code "${userCode}"`);
    if (found[1].status !== 'pending') throw new EmulatorUsageError(`the device authorization "${userCode}" is already ${found[1].status}`);
    return found[1];
  }

  return {
    authorize,
    deviceAuthorization,
    page,
    tokenGrant,
    ownsPath: (pathname) => pathname === devicePath || pathname.startsWith(`${hooks.pagesPath}/`),
    totp(user) {
      if (user.totpSecret === undefined) throw new EmulatorUsageError(`user "${user.login}" has no TOTP factor (set totp: true or mfaRequired: true)`);
      return totpCode(user.totpSecret, clock.now());
    },
    approveDevice(userCode, user) {
      const entry = requireDevice(userCode);
      entry.status = 'approved';
      entry.userId = user.id;
      entry.amr = user.totpSecret === undefined ? ['pwd'] : ['pwd', 'otp', 'mfa'];
      entry.authTime = Math.floor(clock.now() / 1000);
    },
    denyDevice(userCode) {
      requireDevice(userCode).status = 'denied';
    },
    pendingUserCodes: () =>
      [...devices.values()].filter((entry) => entry.status === 'pending' && entry.expiresAt > clock.now()).map((entry) => hooks.formatUserCode(entry.userCode)),
  };
}
