import { revokeRefreshToken, type RevokeResult } from '../idp/revoke.js';
import type { Command } from './command.js';
import { COMMON_HELP } from './command.js';
import { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';
import { readSessionSettings } from './session-settings.js';
import { SETTINGS_HELP, SETTINGS_OPTIONS } from './settings-options.js';

const PROVIDER_NAMES = { okta: 'Okta', entra: 'Microsoft Entra ID' } as const;

export const logoutCommand: Command = {
  name: 'logout',
  summary: "delete the profile's session and revoke its refresh token at the IdP",
  options: { ...SETTINGS_OPTIONS, 'no-revoke': { type: 'boolean' } },
  help: `Usage: ubiq-idp logout [--profile P] [--no-revoke] [options]

Deletes the session that 'ubiq-idp login' (or an app) saved for the profile's server, customer and
profile in ~/.ubiq/sessions/, so the next process signs in again. When the IdP's discovery document
advertises a revocation endpoint (Okta does), the session's refresh token is revoked there first, so a
copy of the file is useless too. Microsoft Entra ID has no revocation endpoint: its refresh tokens end
when they expire or when an administrator revokes the user's sessions (Entra admin center: Users, the
user, Revoke sessions). A session file that is damaged or has loose permissions is deleted as well.

Options:
${SETTINGS_HELP}
      --no-revoke        only delete the file; do not contact the IdP
${COMMON_HELP}

Examples:
  ubiq-idp logout
  ubiq-idp logout --profile idp --json
`,
  async run({ io, values, json, ui, writeJson, logger }) {
    const { config, store } = await readSessionSettings(values, io, logger);
    if (config.kind !== 'idp') {
      if (json) writeJson({ ok: true, profile: config.profile, deleted: false, revoked: false, reason: 'static_keys' });
      else ui.line(`Profile [${config.profile}] uses static API keys: there is no session to end.`);
      return EXIT.ok;
    }
    if (store === undefined) {
      if (json) writeJson({ ok: true, profile: config.profile, deleted: false, revoked: false, reason: 'no_home' });
      else ui.line('No home directory: no session is kept, so there is none to end.');
      return EXIT.ok;
    }
    const read = await store.inspect();
    let revoke: RevokeResult | undefined;
    let revokeError: unknown;
    const refreshToken = read.status === 'found' ? read.record.refreshToken : undefined;
    if (refreshToken !== undefined && values['no-revoke'] !== true) {
      try {
        revoke = await ui.spin(`revoking the refresh token at ${PROVIDER_NAMES[config.idp.provider]}`, () =>
          revokeRefreshToken(config.idp, refreshToken, { allowInsecureHttp: config.allowInsecureHttp, ...(io.signal ? { signal: io.signal } : {}) }),
        ).then((r) => r.value);
      } catch (error) {
        revokeError = error;
      }
    }
    // Deleted even when revocation failed: the person asked for this machine to forget the sign-in.
    const deleted = await store.remove();
    const code: ExitCode = revokeError === undefined ? EXIT.ok : exitCodeFor(revokeError);
    const revokeText =
      revokeError !== undefined
        ? `not revoked: ${(revokeError as Error).message}`
        : revoke === undefined
          ? refreshToken === undefined
            ? read.status === 'found'
              ? 'no refresh token in the session'
              : 'nothing to revoke'
            : 'not revoked (--no-revoke)'
          : revoke.revoked
            ? `refresh token revoked at ${revoke.endpoint}`
            : `${PROVIDER_NAMES[config.idp.provider]} advertises no revocation endpoint: the refresh token stays valid until it expires or an administrator revokes the user's sessions`;
    if (json) {
      writeJson({
        ok: revokeError === undefined,
        profile: config.profile,
        path: store.path,
        deleted,
        ...(read.status === 'refused' ? { sessionProblem: read.error.code } : {}),
        revoked: revoke?.revoked === true,
        ...(revoke !== undefined && !revoke.revoked ? { reason: revoke.reason } : {}),
        ...(revokeError !== undefined ? { revokeError: { code: (revokeError as { code?: string }).code ?? 'unexpected_error', message: (revokeError as Error).message } } : {}),
      });
      return code;
    }
    ui.mark(deleted ? 'ok' : 'skip', deleted ? `session deleted: ${store.path}` : `no session for profile [${config.profile}] (${store.path})`);
    ui.mark(revoke?.revoked === true ? 'ok' : revokeError !== undefined ? 'fail' : 'skip', revokeText);
    return code;
  },
};
