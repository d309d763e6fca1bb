import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfigError, isConfigNotFoundError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { parseCredentialsIni } from '../../src/config/sources/ini.js';
import { parseCredentialsJson, readConfiguration } from '../../src/config/sources/json.js';
import { tempHome, type TempHome } from './helpers.js';

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
function expectPrototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
  const probe: Record<string, unknown> = {};
  for (const key of ['polluted', 'IDP_USERNAME', 'x', 'a', 'idp', 'SERVER']) expect(probe[key]).toBeUndefined();
}

const iniPiece = fc.oneof(
  fc.constantFrom('[', ']', '=', ';', '#', '"', "'", '\\', '.', ' ', '\n', '\r\n', '\r', '[]', '\uFEFF', 'true', 'null', '…', '<', '>'),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'default', 'idp', 'IDP_USERNAME', 'IDP_PASSWORD', 'SERVER', 'ACCESS_KEY_ID', 'polluted'),
  fc.string({ maxLength: 8 }),
);
const iniText = fc.array(iniPiece, { maxLength: 60 }).map((parts) => parts.join(''));
// Structured lines are far likelier than random text to reach the deeper code paths.
const iniLines = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'default', 'a.b', 'a.__proto__', ''), fc.constant('')).map(([s]) => `[${s}]`),
      fc.tuple(fc.constantFrom('__proto__', 'constructor', 'IDP_USERNAME', 'IDP_PASSWORD', 'SERVER', 'polluted', 'x[]'), fc.string({ maxLength: 12 })).map(([k, v]) => `${k}=${v}`),
    ),
    { maxLength: 12 },
  )
  .map((lines) => lines.join('\n'));

const jsonKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'idp', 'type', 'provider', 'client_secret', 'polluted'), fc.string({ maxLength: 6 }));
const jsonLeaf = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null));
// Written as text so that "__proto__" really appears as a key in the file.
const jsonText: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf.map((v) => JSON.stringify(v)),
    fc.array(fc.tuple(jsonKey, tie('node')), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
    fc.array(tie('node'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  ),
})).node;
const maybeBroken = fc.tuple(jsonText, fc.constantFrom('', '.', ',', '}', '"', '\\<', '<')).map(([text, tail]) => text + tail);

describe('property: random input never crashes the loader or pollutes Object.prototype', () => {
  it('INI parser', () => {
    fc.assert(
      fc.property(fc.oneof(iniText, iniLines), (text) => {
        const parsed = parseCredentialsIni(text, 'f');
        for (const section of parsed.sections.values()) for (const entry of section.values()) expect(typeof entry.value).toBe('string');
        expectPrototypeClean();
      }),
      { numRuns: 500 },
    );
  });

  it('JSON configuration and credentials readers', () => {
    fc.assert(
      fc.property(fc.oneof(jsonText, maybeBroken), (text) => {
        const configuration = readConfiguration(text, 'c');
        expect(Object.hasOwn(configuration.otherBlocks, '__proto__')).toBe(false);
        parseCredentialsJson(text, 'c');
        expectPrototypeClean();
      }),
      { numRuns: 500 },
    );
  });

  describe('loadConfig over real files', () => {
    let h: TempHome;
    beforeAll(async () => {
      h = await tempHome();
    });
    afterAll(() => h.cleanup());

    it('either loads, or throws ConfigError / ConfigNotFoundError', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(iniText, iniLines, jsonText), fc.oneof(jsonText, maybeBroken), fc.constantFrom(undefined, 'default', 'a.b', 'idp'), async (credentials, configuration, profile) => {
          await h.write('.ubiq/credentials', credentials);
          await h.write('.ubiq/configuration', configuration);
          try {
            const config = await loadConfig({ homeDir: h.home, env: {}, ...(profile ? { profile } : {}) });
            expect(['idp', 'static']).toContain(config.kind);
          } catch (error) {
            if (!isConfigError(error) && !isConfigNotFoundError(error)) throw error;
          }
          expectPrototypeClean();
        }),
        { numRuns: 100 },
      );
    });
  });
});
