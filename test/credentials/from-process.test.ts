// fromProcess(): the command's failures are typed errors that never quote its output.
import { describe, expect, it } from 'vitest';
import { isProcessCredentialsError } from '../../src/credentials/exported-errors.js';
import { fromProcess } from '../../src/credentials/from-process.js';

const CANARY = 'PROCESS-canary-secret-91f3';
const node = process.execPath;

async function failure(args: string[], options: Parameters<typeof fromProcess>[2] = {}): Promise<Error & { code: string; exitCode?: number }> {
  const provider = fromProcess(node, args, options);
  try {
    await provider();
  } catch (error) {
    expect(isProcessCredentialsError(error)).toBe(true);
    const text = `${(error as Error).message} ${(error as { hint?: string }).hint ?? ''} ${JSON.stringify(error)} ${String((error as Error).stack)}`;
    expect(text).not.toContain(CANARY);
    return error as Error & { code: string; exitCode?: number };
  } finally {
    await provider.close();
  }
  throw new Error('expected fromProcess to fail');
}

describe('fromProcess', () => {
  it('reads static keys a command prints (no shell: the arguments are not interpreted)', async () => {
    const document = { version: 1, kind: 'static', server: 'https://api.example.test', accessKeyId: 'AKID', secretSigningKey: 'SIGN', secretCryptoAccessKey: 'CRYPTO' };
    const provider = fromProcess(node, ['-e', 'process.stdout.write(process.argv[1])', JSON.stringify(document)]);
    const credentials = await provider();
    expect(credentials).toMatchObject({ kind: 'static', accessKeyId: 'AKID', server: 'https://api.example.test' });
    expect(await provider()).toBe(credentials);
    await provider.close();
  });

  it('a non-zero exit is process_failed with the exit code; stderr is not quoted', async () => {
    const error = await failure(['-e', `process.stderr.write('${CANARY}'); process.exit(3)`]);
    expect(error.code).toBe('process_failed');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('exit 3');
  });

  it('output that is not JSON is process_output_invalid without the output', async () => {
    const error = await failure(['-e', `process.stdout.write('SECRET=${CANARY}')`]);
    expect(error.code).toBe('process_output_invalid');
    expect(error.message).toMatch(/did not print JSON \(\d+ characters\)/);
  });

  it('JSON of the wrong shape is process_output_invalid naming the fields, not the values', async () => {
    const error = await failure(['-e', `process.stdout.write(JSON.stringify({ kind: 'static', server: 'https://x.test', accessKeyId: 'A\\nB', secretSigningKey: '${CANARY}' }))`]);
    expect(error.code).toBe('process_output_invalid');
    expect(error.message).toContain('access key id');
    expect(error.message).toContain('secret crypto access key');
  });

  it('a command that hangs is killed: process_timeout', async () => {
    const started = Date.now();
    const error = await failure(['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 300 });
    expect(error.code).toBe('process_timeout');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('too much output is process_output_too_large', async () => {
    const error = await failure(['-e', `process.stdout.write('${CANARY}'.repeat(10_000))`], { maxOutputBytes: 1024 });
    expect(error.code).toBe('process_output_too_large');
  });

  it('a command that does not exist is process_failed', async () => {
    const provider = fromProcess('/nonexistent/ubiq-idp-credentials');
    await expect(provider()).rejects.toMatchObject({ name: 'ProcessCredentialsError', code: 'process_failed' });
  });
});
