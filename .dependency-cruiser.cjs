// Module boundaries of ubiq-idp, checked by `npm run lint` (depcruise src). dependency-cruiser rather
// than an ESLint import plugin: it resolves the whole module graph once, sees type-only imports
// (tsPreCompilationDeps) and reports cycles and reachability across the graph, not file by file.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No import cycle anywhere in src/, type-only imports included: a cycle means two modules are one concern or a seam is missing.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'client-entry-stays-client',
      severity: 'error',
      comment:
        'ubiq-idp (src/index.ts) and everything it reaches never load the reference server, the emulators or the CLI: ' +
        'an application that only signs requests must not pay for (or be able to reach) server code.',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/(server|testing|cli)/', reachable: true },
    },
    {
      name: 'server-without-client-provider',
      severity: 'error',
      comment: 'The reference server plays Ubiq\'s side: it never uses the client credential provider (src/credentials/).',
      from: { path: '^src/server/' },
      to: { path: '^src/credentials/' },
    },
    {
      name: 'crypto-and-x509-are-leaves',
      severity: 'error',
      comment: 'Key pairs (src/crypto/) and X.509 (src/x509/) serve both the client and the server: they import neither.',
      from: { path: '^src/(crypto|x509)/' },
      to: { path: '^src/(credentials|server|cli|testing)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
