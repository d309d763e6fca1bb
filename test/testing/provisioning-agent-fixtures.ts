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

export function readScimFixture(name: string): ScimFixture {
  return JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as ScimFixture;
}

export interface ReplayResult {
  method: string;
  path: string;
  /** Status the replaying server answered. */
  status: number;
  /** Whether the IdP would accept that status (POST → 201, DELETE → 204, anything else → 200 or 204). */
  ok: boolean;
}

/**
 * Replay a recorded sequence against another SCIM server. The fixtures were recorded against a server
 * that hands out `u1, u2, …` to users and `g1, g2, …` to groups in creation order; the replay maps each of
 * those to the id the new server returns from the matching `POST`, in paths, filters and bodies.
 */
export async function replayScimFixture(
  fixture: ScimFixture,
  target: { scimBaseUrl: string; token: string; fetch?: typeof fetch },
): Promise<ReplayResult[]> {
  const doFetch = target.fetch ?? fetch;
  const ids = new Map<string, string>();
  const counters = { Users: 0, Groups: 0 };
  const swap = (text: string) => text.replace(/\b[ug]\d+\b/g, (id) => ids.get(id) ?? id);
  const swapDeep = (value: unknown): unknown =>
    typeof value === 'string'
      ? swap(value)
      : Array.isArray(value)
        ? value.map(swapDeep)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapDeep(v)]))
          : value;
  const results: ReplayResult[] = [];
  for (const request of fixture.requests) {
    const path = swap(request.path);
    const query = Object.entries(request.query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(swap(v))}`)
      .join('&');
    const response = await doFetch(`${target.scimBaseUrl}${path}${query ? `?${query}` : ''}`, {
      method: request.method,
      headers: {
        Authorization: `Bearer ${target.token}`,
        Accept: 'application/scim+json',
        ...(request.body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
      },
      body: request.body === undefined ? undefined : JSON.stringify(swapDeep(request.body)),
    });
    const text = await response.text();
    if (request.method === 'POST' && response.status === 201) {
      const kind = path === '/Users' ? 'Users' : 'Groups';
      counters[kind] += 1;
      ids.set(`${kind === 'Users' ? 'u' : 'g'}${counters[kind]}`, (JSON.parse(text) as { id: string }).id);
    }
    const expected = request.method === 'POST' ? [201] : request.method === 'DELETE' ? [204] : [200, 204];
    results.push({ method: request.method, path, status: response.status, ok: expected.includes(response.status) });
  }
  return results;
}
