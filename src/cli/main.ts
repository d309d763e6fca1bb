// The ubiq-idp command line. Commands arrive with later work; this entry keeps the bin honest.
import process from 'node:process';

const [command] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h') {
  process.stdout.write('Usage: ubiq-idp <command>\n\nCommands:\n  demo   show the loaded configuration of the example profile\n');
  process.exit(0);
}
process.stderr.write(`ubiq-idp: unknown command '${command}'. Run 'ubiq-idp --help'.\n`);
process.exit(2);
