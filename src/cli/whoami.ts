import type { Command } from './command.js';
import { COMMON_HELP } from './command.js';
import { EXIT } from './exit-codes.js';
import { readSessionSettings } from './session-settings.js';
import { SETTINGS_HELP, SETTINGS_OPTIONS } from './settings-options.js';
import { shorten } from './ui.js';

const PROVIDER_NAMES = { okta: 'Okta', entra: 'Microsoft Entra ID' } as const;

/** What `whoami --json` prints (never a secret). */
interface WhoAmI {
  ok: true;
  profile: string;
  /** Why this profile: named by --profile or UBIQ_PROFILE, [default], or [idp] found by the setup documents' name. */
  profileChosenBy: 'option' | 'env' | 'default' | 'detected';
  profileReason: string;
  /** Where the next credentials come from. */
  source: 'session' | 'password' | 'static keys' | 'issued credentials';
  /** Where the settings behind `source` were found. */
  from: 'session' | 'environment' | 'files' | 'options';
  signedIn: boolean;
  server: string;
  user?: string;
  provider?: 'okta' | 'entra';
  issuer?: string;
  customerId?: string;
  accessKeyId?: string;
  expiresAt?: string;
  signedInAt?: string;
  /** The session holds a refresh token: it renews without the password. */
  renewable?: boolean;
  sessionPath?: string;
  /** Why the session was not used, when there is one that cannot be. */
  sessionProblem?: { code: string; message: string; hint?: string };
}

function originName(origin: string | undefined): 'environment' | 'files' | 'options' {
  return origin === 'env' ? 'environment' : origin === 'option' ? 'options' : 'files';
}

export const whoamiCommand: Command = {
  name: 'whoami',
  summary: 'who the next credentials are for: user, IdP, profile, source (session, password, keys), until when',
  options: { ...SETTINGS_OPTIONS },
  help: `Usage: ubiq-idp whoami [--profile P] [options]

Says who apps and commands of this user get Ubiq credentials for, without signing in and without
printing a secret: the IdP user, the IdP (provider and issuer), the profile, the source — the session
that 'ubiq-idp login' saved, a password sign-in (no session yet), static API keys, or credentials
exported into the environment — and until when the current certificate is valid.

Options:
${SETTINGS_HELP}
${COMMON_HELP}

Examples:
  ubiq-idp whoami
  ubiq-idp whoami --profile idp --json
`,
  async run({ io, values, json, ui, writeJson, logger }) {
    const { config, store } = await readSessionSettings(values, io, logger);
    let answer: WhoAmI;
    if (config.kind === 'static') {
      const issued = config.issued !== undefined;
      answer = {
        ok: true,
        profile: config.profile,
        profileChosenBy: config.sources.profile.chosenBy,
        profileReason: config.sources.profile.reason,
        source: issued ? 'issued credentials' : 'static keys',
        from: originName(config.sources.fields['keys.accessKeyId']?.origin),
        signedIn: issued,
        server: config.server,
        accessKeyId: shorten(config.keys.accessKeyId),
        ...(config.issued?.username === undefined ? {} : { user: config.issued.username }),
        ...(config.issued?.expiresAt === undefined ? {} : { expiresAt: new Date(config.issued.expiresAt).toISOString() }),
      };
    } else {
      const read = store === undefined ? { status: 'missing' as const } : await store.inspect();
      const base = {
        ok: true as const,
        profile: config.profile,
        profileChosenBy: config.sources.profile.chosenBy,
        profileReason: config.sources.profile.reason,
        server: config.server,
        // A device or browser profile configures no username: the session names who signed in.
        ...(config.user.username === '' ? {} : { user: config.user.username }),
        provider: config.idp.provider,
        customerId: config.idp.customerId,
        ...(store === undefined ? {} : { sessionPath: store.path }),
      };
      if (read.status === 'found') {
        const credentials = read.record.credentials;
        const valid = credentials !== undefined && credentials.expiresAt.getTime() > Date.now();
        answer = {
          ...base,
          source: valid || read.record.refreshToken !== undefined ? 'session' : 'password',
          from: 'session',
          signedIn: valid,
          ...(read.record.signedInUser === undefined ? {} : { user: read.record.signedInUser }),
          ...(read.record.issuer === undefined ? {} : { issuer: read.record.issuer }),
          ...(credentials === undefined ? {} : { accessKeyId: shorten(credentials.accessKeyId), expiresAt: credentials.expiresAt.toISOString() }),
          signedInAt: read.record.signedInAt.toISOString(),
          renewable: read.record.refreshToken !== undefined,
        };
      } else {
        answer = {
          ...base,
          source: 'password',
          from: originName(config.sources.fields['user.username']?.origin),
          signedIn: false,
          ...(read.status === 'refused'
            ? { sessionProblem: { code: read.error.code, message: read.error.message, ...(read.error.hint === undefined ? {} : { hint: read.error.hint }) } }
            : {}),
        };
      }
    }
    if (json) {
      writeJson(answer);
      return EXIT.ok;
    }
    const chosenBy = config.sources.profile.chosenBy;
    const rows: Array<[string, string]> = [];
    if (answer.user !== undefined) rows.push(['who', answer.user]);
    if (answer.provider !== undefined) rows.push(['IdP', `${PROVIDER_NAMES[answer.provider]}${answer.issuer === undefined ? '' : ` (${answer.issuer})`}`]);
    rows.push(['profile', `[${answer.profile}]${chosenBy === 'default' ? '' : ` (${answer.profileReason})`}`]);
    rows.push(['Ubiq server', answer.server]);
    const sourceText: Record<WhoAmI['source'], string> = {
      session: answer.signedIn
        ? `session ${answer.sessionPath ?? ''}`
        : `session ${answer.sessionPath ?? ''} (certificate expired; the next use renews it with the refresh token, no password)`,
      password: `password sign-in with the settings from the ${answer.from === 'session' ? 'files' : answer.from} (no valid session: run 'ubiq-idp login' to keep one)`,
      'static keys': `static API keys from the ${answer.from}`,
      'issued credentials': `IdP-issued credentials exported into the ${answer.from}`,
    };
    rows.push(['source', sourceText[answer.source]]);
    if (answer.accessKeyId !== undefined) rows.push(['access key id', answer.accessKeyId]);
    if (answer.expiresAt !== undefined) {
      const minutes = Math.round((Date.parse(answer.expiresAt) - Date.now()) / 60_000);
      rows.push(['valid until', `${answer.expiresAt} (${minutes >= 0 ? `in ${minutes} min` : `expired ${-minutes} min ago`})`]);
    }
    if (answer.signedInAt !== undefined) rows.push(['signed in', answer.signedInAt]);
    if (answer.renewable !== undefined) rows.push(['renewal', answer.renewable ? 'with the refresh token (no password)' : 'needs the password (the IdP gave no refresh token)']);
    ui.line(ui.styles.bold(answer.user !== undefined ? `${answer.user}, profile [${answer.profile}]` : `Profile [${answer.profile}]`));
    ui.pairs(rows);
    if (answer.sessionProblem !== undefined) {
      const err = ui.styles;
      io.stderr.write(`${err.yellow('!')} ${answer.sessionProblem.message}\n${answer.sessionProblem.hint === undefined ? '' : `  fix: ${answer.sessionProblem.hint}\n`}`);
    }
    return EXIT.ok;
  },
};
