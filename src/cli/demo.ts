import type { Command } from './command.js';
import { COMMON_HELP } from './command.js';
import { EXIT } from './exit-codes.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole system offline (Okta, then Entra) and narrate each step',
  options: {},
  help: `Usage: ubiq-idp demo

${COMMON_HELP}
`,
  async run({ ui }) {
    ui.line('demo: not built yet');
    return EXIT.failure;
  },
};
