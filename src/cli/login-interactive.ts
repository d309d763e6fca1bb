import type { IdpGrant } from '../config/types.js';
import { openSystemBrowser, type DeviceCodePrompt } from '../idp/index.js';
import { stripControl } from '../idp/device.js';
import { UsageError } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { InteractiveRun } from './provider-run.js';

/** `login --device` / `--browser` / `--redirect-port`. */
export const INTERACTIVE_OPTIONS = {
  device: { type: 'boolean' },
  browser: { type: 'boolean' },
  'redirect-port': { type: 'string' },
} as const;

export const INTERACTIVE_HELP = `      --device           sign in with the device grant: open the URL shown on any device and type the
                         code (works over SSH; answers MFA). Same as grant = device / UBIQ_IDP_GRANT=device
      --browser          sign in in this machine's browser (authorization code + PKCE; answers MFA).
                         UBIQ_IDP_BROWSER names the browser command ('none': only print the URL)
      --redirect-port N  port of the browser sign-in's redirect listener on 127.0.0.1 (default: the
                         configured redirect_port, else any free port)`;

/** How often the person is reminded that the sign-in is still waiting for them. */
const REMINDER_MS = 15_000;

/** @internal The CLI side of a device or browser sign-in: prompts on stderr, reminders while waiting. */
export function interactiveRun(values: Record<string, string | boolean | undefined>, io: CliIo): InteractiveRun {
  if (values.device === true && values.browser === true) throw new UsageError('Choose one of --device and --browser.');
  const grant: IdpGrant | undefined = values.device === true ? 'device' : values.browser === true ? 'browser' : undefined;
  const rawPort = typeof values['redirect-port'] === 'string' ? values['redirect-port'] : undefined;
  if (rawPort !== undefined && (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535)) throw new UsageError(`--redirect-port must be a port number (got '${rawPort}').`);
  const say = (text: string) => io.stderr.write(`${text}\n`);
  let expiresAt: Date | undefined;
  let started = Date.now();
  return {
    grant,
    ...(rawPort === undefined ? {} : { redirectPort: Number(rawPort) }),
    onDeviceCode(prompt: DeviceCodePrompt) {
      expiresAt = prompt.expiresAt;
      started = Date.now();
      say('');
      say(`To sign in, open ${stripControl(prompt.verificationUri)} in a browser on any device and enter the code:`);
      say('');
      say(`    ${stripControl(prompt.userCode)}`);
      say('');
      if (prompt.verificationUriComplete !== undefined) say(`Or open ${stripControl(prompt.verificationUriComplete)} (the code is filled in).`);
      say(`The code expires at ${prompt.expiresAt.toISOString()}. Waiting for you to finish (Ctrl-C to cancel)…`);
    },
    onAuthorizationUrl(url: string, opened: boolean) {
      started = Date.now();
      say('');
      say(opened ? 'Your browser has been opened to sign in. If it did not open, open this URL:' : 'Open this URL in a browser on this machine to sign in:');
      say('');
      say(`    ${url}`);
      say('');
      say('Waiting for the browser to come back (Ctrl-C to cancel)…');
    },
    openBrowser: (url: string) => openSystemBrowser(url, io.env),
    waiting() {
      const timer = setInterval(() => {
        const waited = Math.round((Date.now() - started) / 1000);
        const left = expiresAt === undefined ? '' : `; the code expires in ${Math.max(0, Math.round((expiresAt.getTime() - Date.now()) / 60_000))} min`;
        say(`Still waiting for the sign-in to finish (${waited} s${left}); Ctrl-C to cancel.`);
      }, REMINDER_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
