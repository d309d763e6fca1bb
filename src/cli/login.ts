import type { Command } from './command.js';
import { COMMON_HELP } from './command.js';
import { EXIT } from './exit-codes.js';
import { interactiveRun, INTERACTIVE_HELP, INTERACTIVE_OPTIONS } from './login-interactive.js';
import { runDefaultProvider } from './provider-run.js';
import { keySizeFrom, loadOptionsFrom, SETTINGS_HELP, SETTINGS_OPTIONS, timeoutFrom } from './settings-options.js';
import { sessionStoreFor } from '../session/identity.js';
import { formatMs, shorten } from './ui.js';

const PROVIDER_NAMES = { okta: 'Okta', entra: 'Microsoft Entra ID' } as const;

export const loginCommand: Command = {
  name: 'login',
  summary: 'sign in with the default provider and show who, which IdP, the key id and expiry',
  options: { ...SETTINGS_OPTIONS, ...INTERACTIVE_OPTIONS, 'no-session': { type: 'boolean' } },
  help: `Usage: ubiq-idp login [--profile P] [--device | --browser] [--no-session] [options]

Runs the default credential provider once, as application code would: reads the settings, generates an
RSA-4096 key pair off the main thread, signs in to Okta / Entra with the password grant, and exchanges
the token and a CSR for short-lived Ubiq credentials at the SSO endpoint. Prints who signed in, with
which IdP, the access key id (shortened), the certificate's expiry and the time each step took.
No secret is printed (use 'ubiq-idp credentials' to export them).

The sign-in is saved as a session in ~/.ubiq/sessions/ (mode 0600; UBIQ_SESSION_DIR moves it): apps
(defaultProvider(), fromSession()) and other commands of this user then get credentials from it without
signing in, and renew them with the IdP's refresh token. 'ubiq-idp logout' deletes it; 'ubiq-idp whoami'
shows it.

When the IdP enforces MFA, sign in with --device (a code to type on any device's browser) or --browser
(this machine's browser opens at the IdP's sign-in page); the session it writes then serves every app.

Options:
${SETTINGS_HELP}
${INTERACTIVE_HELP}
      --no-session       sign in without reading or writing the session
${COMMON_HELP}

Examples:
  ubiq-idp login --profile idp
  ubiq-idp login --device
  ubiq-idp login --browser
  UBIQ_PROFILE=idp ubiq-idp login --json
`,
  async run({ io, values, json, ui, writeJson, logger }) {
    const load = loadOptionsFrom(values, io);
    const noSession = values['no-session'] === true;
    const run = await runDefaultProvider(ui, load, io.signal, keySizeFrom(values), { timeoutMs: timeoutFrom(values), logger, session: noSession ? 'off' : 'fresh', interactive: interactiveRun(values, io) });
    const { config, credentials, timings } = run;
    const store = noSession || config.kind !== 'idp' ? undefined : sessionStoreFor(config, load);
    const saved = store !== undefined && (await store.inspect()).status === 'found';
    const steps = [
      { step: 'settings', ms: timings.settingsMs, detail: `profile [${config.profile}]` },
      ...(timings.keyPairMs === undefined ? [] : [{ step: 'key pair', ms: timings.keyPairMs, detail: `RSA-${keySizeFrom(values)}, off the main thread (in parallel with the sign-in)` }]),
      ...timings.requests.map((r) => ({ step: r.step, ms: r.ms, detail: `${r.method} ${r.url} → ${r.status ?? 'no answer'}` })),
    ];
    if (json) {
      writeJson({
        ok: true,
        kind: credentials.kind,
        profile: config.profile,
        server: credentials.server,
        accessKeyId: credentials.accessKeyId,
        ...(credentials.kind === 'idp'
          ? { username: credentials.username, provider: credentials.provider, issuedAt: credentials.issuedAt.toISOString(), expiresAt: credentials.expiresAt.toISOString() }
          : {}),
        ...(credentials.kind === 'idp' ? { session: saved ? { saved: true, path: store?.path } : { saved: false } } : {}),
        timings: { totalMs: Math.round(timings.totalMs), steps: steps.map((s) => ({ step: s.step, ms: Math.round(s.ms), detail: s.detail })) },
      });
      return EXIT.ok;
    }
    for (const s of steps) ui.mark('ok', `${s.step.padEnd(12)} ${formatMs(s.ms).padStart(8)}  ${ui.styles.dim(s.detail)}`);
    ui.line();
    if (credentials.kind === 'idp') {
      const minutes = Math.round((credentials.expiresAt.getTime() - Date.now()) / 60_000);
      ui.line(ui.styles.bold(`Signed in as ${credentials.username}.`));
      ui.pairs(
        [
          ['who', credentials.username],
          ['IdP', `${PROVIDER_NAMES[credentials.provider]} (${config.kind === 'idp' ? config.idp.tokenEndpointUrl : ''})`],
          ['Ubiq server', credentials.server],
          ['access key id', shorten(credentials.accessKeyId)],
          ['certificate', `valid until ${credentials.expiresAt.toISOString()} (in ${minutes} min)`],
          [
            'session',
            saved
              ? `saved to ${store?.path ?? ''}: apps and commands of this user use it and renew it until 'ubiq-idp logout'`
              : noSession
                ? 'not saved (--no-session): the next process signs in again'
                : 'not saved (no home directory to keep it in): the next process signs in again',
          ],
          ['total time', formatMs(timings.totalMs)],
        ],
      );
    } else {
      ui.line(ui.styles.bold(`Profile [${config.profile}] uses static API keys: nothing to sign in to.`));
      ui.pairs([['Ubiq server', credentials.server], ['access key id', shorten(credentials.accessKeyId)]]);
    }
    return EXIT.ok;
  },
};
