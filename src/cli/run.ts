import { readFileSync } from 'node:fs';
import { runCommand, reportError, type Command } from './command.js';
import { configureCommand } from './configure.js';
import { credentialsCommand } from './credentials.js';
import { demoCommand } from './demo.js';
import { doctorCommand } from './doctor.js';
import { EXIT, EXIT_CODE_HELP, UsageError, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { serverCommand } from './server.js';
import { whoamiCommand } from './whoami.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [configureCommand, loginCommand, whoamiCommand, logoutCommand, credentialsCommand, doctorCommand, serverCommand, demoCommand];

/** The package version (src/cli and dist/cli are both two levels below package.json). */
export function cliVersion(): string {
  // src/cli/run.ts, dist/cli/main.js and bundles elsewhere: walk up to this package's package.json.
  for (let up = 1; up <= 5; up += 1) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${'../'.repeat(up)}package.json`, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'ubiq-idp' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `ubiq-idp ${cliVersion()}: sign in to Ubiq with Okta or Microsoft Entra ID

Usage: ubiq-idp <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help     show help (also: ubiq-idp <command> --help)
  -v, --version  print the version
      --json     machine-readable output, on every command

Settings come from ~/.ubiq/configuration (the idp block), ~/.ubiq/credentials (a profile with
IDP_USERNAME and IDP_PASSWORD) and UBIQ_* environment variables; see the README.

${EXIT_CODE_HELP}
`;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) against `io`, and returns the exit code.
 * Commands run in process, so tests call this directly with their own streams and environment.
 *
 * @example
 * const code = await runCli(['doctor', '--profile', 'idp'], processIo());
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS.find((c) => c.name === topic);
    if (topic !== undefined && command === undefined) return reportError(io, false, unknownCommand(topic));
    io.stdout.write(command ? `${command.help.trimEnd()}\n` : mainHelp());
    // No command at all is a usage mistake for scripts, but a person asking for help gets 0.
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${cliVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) return reportError(io, rest.includes('--json') || first === '--json', unknownCommand(first));
  return runCommand(command, rest, io);
}

function unknownCommand(name: string): UsageError {
  const near = COMMANDS.find((c) => c.name.startsWith(name.slice(0, 3)) && name.length > 0);
  return new UsageError(
    name.startsWith('-') ? `Unknown option '${name}' (options come after the command).` : `Unknown command '${name}'.`,
    `${near ? `Did you mean '${near.name}'? ` : ''}Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'ubiq-idp --help'.`,
  );
}
