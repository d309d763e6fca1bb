// Load each example configuration + credentials pair (the Okta one written with the seed documents' key names,
// the Entra one with the official libraries' names) and print what was loaded, secrets redacted, and where
// every value came from. Run: npm run build, then npm run example -- examples/config/load-config.ts
import { fileURLToPath } from 'node:url';
import { loadConfig } from 'ubiq-idp';

for (const pair of ['okta-seed-dialect', 'entra-official-dialect']) {
  const dir = fileURLToPath(new URL(`./${pair}/`, import.meta.url));
  const config = await loadConfig({
    configurationFile: `${dir}configuration`,
    credentialsFile: `${dir}credentials`,
    profile: 'idp',
    // Only these files: ignore UBIQ_* variables of the machine this runs on.
    env: {},
    // A git checkout leaves the credentials file readable by others: the loader says so here.
    logger: console,
  });
  // The loaded config prints itself with every secret as [REDACTED] (its own toString, added at run time).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- toString is defined by redactable()
  console.log(`${pair}: ${String(config)}`);
  for (const [field, where] of Object.entries(config.sources.fields)) {
    console.log(`  ${field.padEnd(22)} ${where.origin.padEnd(13)} ${where.origin === 'credentials' ? `[${where.profile}] ` : ''}${where.key}`);
  }
}
