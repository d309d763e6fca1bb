// The debug trace never carries a secret: URLs lose their query values, secret-named fields are redacted,
// and known secret values are scrubbed from every line.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createCliLogger } from '../../src/cli/cli-logger.js';
import { memoryOutput } from '../../src/cli/io.js';
import { createHttpClient } from '../../src/http/index.js';
import type { Logger } from '../../src/util/logger.js';

const CANARY = 'CANARY-trace-secret-5d21';

describe('SDK debug logging (logger option)', () => {
  it('each answer is logged with method, redacted URL, status and timing', async () => {
    const server = createServer((_request, response) => response.end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const records: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    const logger: Logger = { warn() {}, debug: (message, fields) => void records.push({ message, fields }) };
    const http = createHttpClient({ logger });
    try {
      const response = await http.request(`http://127.0.0.1:${port}/api/v0/fpe/key?ffs_name=ssn&payload_cert=${CANARY}&code=${CANARY}`, { method: 'GET' });
      expect(response.status).toBe(200);
    } finally {
      await http.close();
      server.close();
    }
    const answer = records.find((r) => r.fields?.event === 'http_answer');
    expect(answer?.message).toBe(`GET http://127.0.0.1:${port}/api/v0/fpe/key?ffs_name=ssn&payload_cert=[REDACTED]&code=[REDACTED] → 200`);
    expect(answer?.fields).toMatchObject({ method: 'GET', status: 200, attempt: 1 });
    expect(typeof answer?.fields?.ms).toBe('number');
    expect(JSON.stringify(records)).not.toContain(CANARY);
  });
});

describe('the CLI trace', () => {
  it('redacts secret-named fields and scrubs known secret values; nothing without --debug', () => {
    const stderr = memoryOutput();
    const logger = createCliLogger({ stdout: memoryOutput(), stderr, env: {}, homeDir: '' }, true);
    logger.addSecrets(CANARY);
    logger.debug?.('token answer', { access_token: 'opaque-token-value', nested: { client_secret: 'another-value' }, status: 200 });
    logger.debug?.(`message quoting ${CANARY} by mistake`, { note: `also ${CANARY}` });
    const text = stderr.text();
    expect(text).toContain('"status":200');
    expect(text).toContain('"access_token":"[REDACTED]"');
    expect(text).not.toContain('opaque-token-value');
    expect(text).not.toContain('another-value');
    expect(text).not.toContain(CANARY);
    const quiet = memoryOutput();
    createCliLogger({ stdout: memoryOutput(), stderr: quiet, env: {}, homeDir: '' }, false).debug?.('x', { a: 1 });
    expect(quiet.text()).toBe('');
  });
});
