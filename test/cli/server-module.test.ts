import { describe, expect, it } from 'vitest';
import { isUbiqIdpError } from '../../src/errors.js';
import { isServerDependencyError, loadServerModule, missingServerPackage } from '../../src/cli/server-module.js';

function notFound(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('the CLI loading the reference server', () => {
  it('maps a missing hono or @hono/node-server (ESM and CommonJS messages) to server_dependency_missing with the install command', async () => {
    for (const [error, name] of [
      [notFound('ERR_MODULE_NOT_FOUND', "Cannot find package 'hono' imported from /app/node_modules/ubiq-idp/dist/server-X.js"), 'hono'],
      [notFound('ERR_MODULE_NOT_FOUND', "Cannot find package '@hono/node-server' imported from /app/x.js"), '@hono/node-server'],
      [notFound('MODULE_NOT_FOUND', "Cannot find module 'hono/utils'\nRequire stack:\n- /app/x.cjs"), 'hono'],
    ] as const) {
      const thrown = await loadServerModule(() => Promise.reject(error)).catch((e: unknown) => e);
      expect(isServerDependencyError(thrown) && isUbiqIdpError(thrown)).toBe(true);
      expect(thrown).toMatchObject({ code: 'server_dependency_missing', packageName: name, cause: error });
      expect((thrown as Error).message).toContain(`'${name}'`);
      expect((thrown as { hint: string }).hint).toContain('npm install hono @hono/node-server');
    }
  });

  it('leaves every other failure as it is: another package, a file of this package, another error code', async () => {
    for (const error of [
      notFound('ERR_MODULE_NOT_FOUND', "Cannot find package 'honolulu' imported from /app/x.js"),
      notFound('ERR_MODULE_NOT_FOUND', "Cannot find module '/app/node_modules/ubiq-idp/dist/server-X.js' imported from /app/x.js"),
      notFound('ERR_REQUIRE_ESM', "Cannot find package 'hono'"),
      new SyntaxError('Unexpected token'),
    ]) {
      expect(missingServerPackage(error)).toBeUndefined();
      await expect(loadServerModule(() => Promise.reject(error))).rejects.toBe(error);
    }
  });

  it('loads the real server module when hono is installed', async () => {
    const server = await loadServerModule();
    expect(typeof server.createReferenceServer).toBe('function');
  });
});
