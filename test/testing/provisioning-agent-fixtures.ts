// Saves and checks the recorded SCIM request sequences in test/fixtures/scim/ (the server engineer replays
// them). Run with UPDATE_SCIM_FIXTURES=1 to rewrite them after an intended change of the agents.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ScimAgentRequest } from 'ubiq-idp/testing';

const dir = fileURLToPath(new URL('../fixtures/scim/', import.meta.url));

export interface ScimFixture {
  description: string;
  agent: 'okta' | 'entra';
  /** Ids the recording server handed out (u1, g1, …); a replaying server maps them to its own. */
  requests: readonly ScimAgentRequest[];
}

export function expectMatchesFixture(name: string, fixture: ScimFixture): void {
  const file = `${dir}${name}.json`;
  const text = `${JSON.stringify(fixture, null, 2)}\n`;
  if (process.env.UPDATE_SCIM_FIXTURES) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  }
  expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
