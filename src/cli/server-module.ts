// The reference server's HTTP packages (hono, @hono/node-server) are optional peer dependencies: a client
// user does not install them. The CLI loads the server module only when a command needs it, so `login`,
// `credentials` & co. run without them, and `server` / `demo` say what to install instead of crashing.
import { errorGuard, UbiqIdpError } from '../errors.js';
import type { ServerDependencyErrorCode } from '../error-codes.js';

type ServerModule = typeof import('../server/index.js');

/** The packages the reference server needs beyond the client's, and the command that installs them. */
export const SERVER_PACKAGES = ['hono', '@hono/node-server'] as const;
export const SERVER_INSTALL_COMMAND = `npm install ${SERVER_PACKAGES.join(' ')}`;

/** The reference server's optional peer dependencies are not installed. */
export class ServerDependencyError extends UbiqIdpError<ServerDependencyErrorCode> {
  static override readonly errorName = 'ServerDependencyError';
  declare readonly code: ServerDependencyErrorCode;
  /** The package that could not be found. */
  readonly packageName: string;
  constructor(packageName: string, cause: unknown) {
    super('server_dependency_missing', `The reference server needs the package '${packageName}', which is not installed.`, {
      hint: `Run '${SERVER_INSTALL_COMMAND}' in your project (they are optional peer dependencies of ubiq-idp).`,
      cause,
    });
    this.packageName = packageName;
  }
}

/** True when `value` is a {@link ServerDependencyError}. */
export const isServerDependencyError = errorGuard<ServerDependencyError>('ServerDependencyError');

// Node's messages: ESM "Cannot find package 'hono' imported from …", CommonJS "Cannot find module 'hono'".
const MISSING = /Cannot find (?:package|module) '((?:@hono\/node-server|hono)(?:\/[^']*)?)'/;

/**
 * The server package a module-not-found error is about, or undefined for any other error (a missing file
 * of this package, another package, a syntax error), which must stay as it is.
 */
export function missingServerPackage(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const match = MISSING.exec(error instanceof Error ? error.message : '');
  if (!match?.[1]) return undefined;
  return SERVER_PACKAGES.find((name) => match[1] === name || match[1]!.startsWith(`${name}/`));
}

/**
 * Loads the reference server module; a missing hono or @hono/node-server becomes a
 * {@link ServerDependencyError} naming the install command.
 */
export async function loadServerModule(load: () => Promise<ServerModule> = () => import('../server/index.js')): Promise<ServerModule> {
  try {
    return await load();
  } catch (error) {
    const packageName = missingServerPackage(error);
    if (packageName !== undefined) throw new ServerDependencyError(packageName, error);
    throw error;
  }
}
