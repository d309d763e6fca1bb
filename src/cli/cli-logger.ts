// The CLI's logger: what the library reports (loader warnings, retries, the debug trace) reaches the person
// on stderr, filtered for the terminal and with every known secret scrubbed.
import { REDACTED, scrub } from '../util/redact.js';
import type { Logger } from '../util/logger.js';
import type { CliIo } from './io.js';
import { terminalSafe } from './terminal-text.js';
import { colourEnabled, createStyles, formatMs } from './ui.js';

/** The CLI's logger, plus what the commands need from it. */
export interface CliLogger extends Logger {
  /** True with `--debug` or `UBIQ_IDP_DEBUG=1`. */
  readonly debugging: boolean;
  /** Values to scrub from every line from now on (passwords, client secrets, keys), as they become known. */
  addSecrets(...values: readonly (string | undefined)[]): void;
  /** The last thing a retry said was wrong ("connection refused"), for a final "gave up" message. */
  readonly lastProblem: string | undefined;
}

/** `--debug` or `UBIQ_IDP_DEBUG` set to 1/true/yes. */
export function debugRequested(values: Record<string, string | boolean | undefined>, env: CliIo['env']): boolean {
  return values.debug === true || /^(1|true|yes|on)$/i.test((env.UBIQ_IDP_DEBUG ?? '').trim());
}

/** Field names whose values are never printed, whatever they hold. */
const SECRET_FIELD = /secret|password|token|assertion|private|passphrase|signing|crypto|cookie|authorization|code_verifier/i;

function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { name: value.name, code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.map((item) => redactFields(item, depth + 1));
  // Library objects print themselves redacted (toJSON); plain ones are walked.
  const plain = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  if (plain === null || typeof plain !== 'object') return plain;
  return Object.fromEntries(Object.entries(plain).map(([key, item]) => [key, SECRET_FIELD.test(key) && item !== undefined ? REDACTED : redactFields(item, depth + 1)]));
}

/** Which party a URL belongs to, in words. */
function party(url: unknown): string {
  const text = typeof url === 'string' ? url : '';
  if (text.includes('/api/v3/scim/sso')) return 'Ubiq server (SSO exchange)';
  if (text.includes('/api/v0/')) return 'Ubiq server (key endpoint)';
  return 'IdP';
}

/**
 * Creates the logger of one CLI run. Warnings are always shown (once each); HTTP retries and sign-in
 * retries become progress lines ("IdP not answering (connection refused); retry 2 of 4 in 2 s"); with
 * debugging on, every debug record (each request and answer, with timing) is printed too.
 */
export function createCliLogger(io: CliIo, debugging: boolean): CliLogger {
  const styles = createStyles(colourEnabled(io.stderr, io.env));
  const secrets: string[] = [];
  const seen = new Set<string>();
  const started = performance.now();
  let lastProblem: string | undefined;
  const clean = (text: string) => terminalSafe(scrub(text, secrets));
  // On a terminal a spinner may be on the current line: clear it first.
  const lineStart = io.stderr.isTTY === true ? '\r\u001b[2K' : '';
  const write = (mark: string, text: string) => void io.stderr.write(`${lineStart}${mark} ${clean(text)}\n`);
  const trace = (level: string, message: string, fields?: Record<string, unknown>) => {
    if (!debugging) return;
    const elapsed = `+${((performance.now() - started) / 1000).toFixed(3)}s`;
    const extra = fields === undefined || Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(redactFields(fields))}`;
    // The whole line goes through scrub() and the terminal filter, fields included.
    io.stderr.write(`${lineStart}${styles.dim(`[debug ${elapsed}]`)} ${clean(`${level === 'debug' ? '' : `${level}: `}${message}${extra}`)}\n`);
  };
  const progress = (fields: Record<string, unknown>) => {
    const reason = fields.reason;
    const text = (value: unknown, fallback: string) => (typeof value === 'string' || typeof value === 'number' ? String(value) : fallback);
    const problem = typeof fields.detail === 'string' ? fields.detail : typeof reason === 'number' ? `answered ${reason}` : text(reason, 'no answer');
    lastProblem = `${party(fields.url)}: ${problem}`;
    const attempt = typeof fields.attempt === 'number' ? fields.attempt + 1 : undefined;
    const verb = typeof reason === 'number' ? `${party(fields.url)} ${problem}` : `${party(fields.url)} not answering (${problem})`;
    const delay = typeof fields.delayMs === 'number' ? formatMs(fields.delayMs) : 'a moment';
    write(styles.yellow('…'), `${verb}; retry ${attempt ?? '?'} of ${text(fields.of, '?')} in ${delay}`);
  };
  return {
    debugging,
    get lastProblem() {
      return lastProblem;
    },
    addSecrets(...values) {
      for (const value of values) if (value !== undefined && value.length >= 4 && !secrets.includes(value)) secrets.push(value);
    },
    debug(message, fields) {
      trace('debug', message, fields);
      if (fields?.event === 'http_retry') progress(fields);
    },
    info(message, fields) {
      trace('info', message, fields);
    },
    warn(message, fields) {
      trace('warn', message, fields);
      if (fields?.event === 'refresh_failed') {
        const next = fields.nextAttemptAt;
        if (typeof next === 'string') {
          const wait = Math.max(0, Date.parse(next) - Date.now());
          write(styles.yellow('…'), `sign-in attempt ${typeof fields.attempt === 'number' ? fields.attempt : '?'} failed (${typeof fields.code === 'string' ? fields.code : 'error'}${lastProblem ? `: ${lastProblem}` : ''}); trying again in ${formatMs(wait)}`);
        }
        return;
      }
      const line = message.replace(/^ubiq-idp config: /, '');
      if (seen.has(line)) return;
      seen.add(line);
      write(styles.yellow('!'), line);
    },
    error(message, fields) {
      trace('error', message, fields);
    },
  };
}
