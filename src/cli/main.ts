// The `ubiq-idp` executable: wires the real process (streams, environment, signals) to runCli.
import process from 'node:process';
import { EXIT } from './exit-codes.js';
import { processIo } from './io.js';
import { runCli } from './run.js';

const controller = new AbortController();
let interrupted = false;
const stop = (signal: NodeJS.Signals) => {
  if (interrupted) {
    // A second Ctrl-C means "now": do not wait for clean-up.
    process.exit(EXIT.interrupted);
  }
  interrupted = true;
  // An abort reason, not a thrown error: every command turns an aborted signal into its own `cancelled`
  // outcome (exit 130) and never shows this reason.
  controller.abort(new Error(`received ${signal}`));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

const code = await runCli(process.argv.slice(2), processIo(controller.signal));
process.exitCode = code;
// Long-running commands have closed their servers; nothing should keep the process, but a stray
// keep-alive socket in a library must not hang a CLI either.
setTimeout(() => process.exit(code), 2_000).unref();
