import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRsaKeyPair, type RsaKeyPair } from '../crypto/keypair.js';
import type { Command } from './command.js';
import { COMMON_HELP, stringOption } from './command.js';
import { createNarrator, type DemoStep } from './demo-narrator.js';
import { runScenario } from './demo-scenario.js';
import { loadServerModule } from './server-module.js';
import { EXIT, UsageError } from './exit-codes.js';
import { keySizeFrom } from './settings-options.js';
import { formatMs } from './ui.js';

const NAMES = { okta: 'Okta', entra: 'Entra' } as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole system offline (Okta, then Entra) and narrate each step',
  options: { only: { type: 'string' }, 'key-size': { type: 'string' } },
  help: `Usage: ubiq-idp demo [--only okta|entra]

Runs the whole IdP integration on this machine, offline, in about half a minute: for Okta, then Entra,
it starts an emulated IdP and the Ubiq reference server, enters the IdP settings and creates datasets
and dataset groups through the admin API, lets the IdP's provisioning agent assign a user and push a
group over SCIM, writes real ~/.ubiq/configuration and ~/.ubiq/credentials files into a temporary home
and loads them, logs in, encrypts and decrypts a sample with a data key from the key endpoint, and shows
the provisioning rules at work (group membership, group rename, deactivation, reactivation).
All traffic is real HTTP over 127.0.0.1. Each step says what it does, then what happened.

Options:
      --only P        run one IdP only: okta or entra
      --key-size N    RSA key size of the logins; default 4096 (the official clients'), at least 2048
${COMMON_HELP} (the summary only)

Exit code 0 when every step behaved as expected, 1 otherwise, 130 when interrupted (Ctrl-C).
`,
  async run({ io, values, json, ui, writeJson }) {
    const only = stringOption(values, 'only');
    if (only !== undefined && only !== 'okta' && only !== 'entra') throw new UsageError(`--only must be okta or entra (got '${only}').`);
    const keySize = keySizeFrom(values);
    const providers: Array<'okta' | 'entra'> = only === undefined ? ['okta', 'entra'] : [only];
    // Before any key pair or emulator: without hono this fails at once with the install command.
    await loadServerModule();
    const started = performance.now();
    if (!json) {
      ui.line(ui.styles.bold('ubiq-idp demo: the whole IdP integration, offline, over 127.0.0.1'));
      ui.line(
        ui.styles.dim(
          `For ${providers.map((p) => NAMES[p]).join(', then ')}: an emulated IdP, the Ubiq reference server, SCIM provisioning, a login with real files, encryption with a data key, and the provisioning rules.`,
        ),
      );
      ui.line(ui.styles.dim(`One RSA-${keySize} key pair per IdP is generated in the background (off the main thread) while the servers start.`));
    }
    // The official clients' key size; started now so that the logins wait for the network only.
    const keyPairs = new Map<string, Promise<RsaKeyPair>>(providers.map((p) => [p, generateRsaKeyPair({ modulusLength: keySize })]));
    for (const pending of keyPairs.values()) pending.catch(() => {});
    const home = await mkdtemp(join(tmpdir(), 'ubiq-idp-demo-'));
    const steps: DemoStep[] = [];
    try {
      for (const provider of providers) {
        if (!json) {
          ui.line();
          ui.line(ui.styles.cyan(`━━ ${NAMES[provider]} ${'━'.repeat(60)}`));
        }
        const narrator = createNarrator(ui, NAMES[provider], json, io.signal);
        await runScenario(narrator, { provider, home: join(home, provider), keyPair: keyPairs.get(provider) as Promise<RsaKeyPair>, keySize, signal: io.signal });
        steps.push(...narrator.steps);
        if (io.signal?.aborted) break;
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
    const totalMs = performance.now() - started;
    if (io.signal?.aborted) {
      const at = steps.find((s) => s.status === 'interrupted');
      const done = steps.filter((s) => s.status === 'ok').length;
      if (json) writeJson({ ok: false, interrupted: true, totalMs: Math.round(totalMs), steps: steps.map((s) => ({ ...s, ms: Math.round(s.ms) })) });
      else ui.mark('skip', `Interrupted${at ? ` during "${at.provider}: ${at.title}"` : ''} after ${done} step${done === 1 ? '' : 's'}, in ${formatMs(totalMs)}. Servers stopped; the temporary home is deleted.`);
      return EXIT.interrupted;
    }
    const failed = steps.filter((s) => s.status !== 'ok').length;
    if (json) {
      writeJson({ ok: failed === 0, totalMs: Math.round(totalMs), steps: steps.map((s) => ({ ...s, ms: Math.round(s.ms) })) });
    } else {
      ui.heading('Summary');
      ui.table(
        ['IdP', 'step', '', 'result', 'time'],
        steps.map((s) => [s.provider, s.title, s.status === 'ok' ? ui.styles.green('✓') : s.status === 'skip' ? ui.styles.dim('-') : ui.styles.red('✗'), s.outcome, s.ms ? formatMs(s.ms) : '']),
      );
      ui.line();
      if (failed === 0) ui.mark('ok', ui.styles.bold(`All ${steps.length} steps behaved as expected, in ${formatMs(totalMs)}. Nothing left running; the temporary home is deleted.`));
      else ui.mark('fail', ui.styles.bold(`${failed} of ${steps.length} steps did not behave as expected (see ✗ above), in ${formatMs(totalMs)}.`));
    }
    return failed === 0 ? EXIT.ok : EXIT.failure;
  },
};
