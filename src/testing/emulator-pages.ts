/**
 * @internal The HTML pages of the emulators' interactive sign-in: plain forms with the standard autocomplete
 * attributes (`username`, `current-password`, `one-time-code`) so password managers and browser tests find
 * the fields, each carrying the transaction id and its CSRF token as hidden fields.
 */

/** @internal Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** @internal What every form posts besides its own fields. */
export interface PageContext {
  /** The IdP's name in titles ("Okta", "Microsoft"). */
  brand: string;
  /** Path the form posts to. */
  action: string;
  transaction: string;
  csrf: string;
}

function page(brand: string, title: string, body: string): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - ${escapeHtml(brand)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}
input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;margin-right:.5rem;padding:.4rem 1rem}
.error{color:#b00020}.brand{color:#555;font-size:.9rem}</style></head>
<body><p class="brand">${escapeHtml(brand)} (emulator)</p><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
  return new Response(html, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      // No form-action: it would also govern the redirect to the app's loopback redirect URI after the last form.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    },
  });
}

function hidden(context: PageContext): string {
  return `<input type="hidden" name="transaction" value="${escapeHtml(context.transaction)}"><input type="hidden" name="csrf" value="${escapeHtml(context.csrf)}">`;
}
function errorLine(error: string | undefined): string {
  return error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`;
}

/** @internal Username + password. */
export function signInPage(context: PageContext, appName: string, error?: string): Response {
  return page(
    context.brand,
    'Sign in',
    `<p>to continue to ${escapeHtml(appName)}</p>${errorLine(error)}
<form method="post" action="${escapeHtml(context.action)}">${hidden(context)}
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" autofocus required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" name="step" value="password">Sign in</button></form>`,
  );
}

/** @internal The TOTP second factor. */
export function totpPage(context: PageContext, error?: string): Response {
  return page(
    context.brand,
    'Verify it is you',
    `<p>Enter the code from your authenticator app.</p>${errorLine(error)}
<form method="post" action="${escapeHtml(context.action)}">${hidden(context)}
<label for="otp">Verification code</label><input type="text" id="otp" name="otp" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" autofocus required>
<button type="submit" name="step" value="totp">Verify</button></form>`,
  );
}

/** @internal The consent screen: the scopes the app asks for. */
export function consentPage(context: PageContext, appName: string, scopes: string[]): Response {
  const items = scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  return page(
    context.brand,
    'Permissions requested',
    `<p>${escapeHtml(appName)} would like to:</p><ul>${items}</ul>
<form method="post" action="${escapeHtml(context.action)}">${hidden(context)}
<button type="submit" name="step" value="consent_allow" id="allow">Allow</button><button type="submit" name="step" value="consent_deny" id="deny">Don't allow</button></form>`,
  );
}

/** @internal The device verification page: the user code entry. */
export function deviceCodePage(context: PageContext, prefill: string, error?: string): Response {
  return page(
    context.brand,
    'Activate your device',
    `<p>Enter the code shown on your device.</p>${errorLine(error)}
<form method="post" action="${escapeHtml(context.action)}">${hidden(context)}
<label for="user_code">Code</label><input type="text" id="user_code" name="user_code" value="${escapeHtml(prefill)}" autocomplete="off" autofocus required>
<button type="submit" name="step" value="user_code">Next</button></form>`,
  );
}

/** @internal The device approval question, after sign-in. */
export function deviceApprovePage(context: PageContext, appName: string): Response {
  return page(
    context.brand,
    'Approve the sign-in',
    `<p>Are you trying to sign in to ${escapeHtml(appName)} on another device?</p>
<form method="post" action="${escapeHtml(context.action)}">${hidden(context)}
<button type="submit" name="step" value="device_allow" id="allow">Continue</button><button type="submit" name="step" value="device_deny" id="deny">Cancel</button></form>`,
  );
}

/** @internal A final page with a message and no form. */
export function messagePage(brand: string, title: string, message: string, status = 200): Response {
  const response = page(brand, title, `<p id="message">${escapeHtml(message)}</p>`);
  return new Response(response.body, { status, headers: response.headers });
}
