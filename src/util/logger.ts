/**
 * The one logging hook of the library. Nothing here writes to the console: callers pass a logger
 * (or `console`) when they want to see what happened. Messages name sources (files, env var names,
 * endpoints), never secret values — route anything user-supplied through `scrub()` first.
 */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error?(message: string, fields?: Record<string, unknown>): void;
}

/** The default: discard everything. */
export const silentLogger: Logger = { warn() {} };
