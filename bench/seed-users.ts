// Directory users for the server benchmarks, stored as a SCIM POST would leave them: attributes parsed from
// JSON (flat strings, the memory a real directory takes), each followed by the provisioning engine.
import type { ReferenceServer } from '../src/server/index.js';
import { newId } from '../src/server/ids.js';
import type { UserRecord } from '../src/server/store/types.js';

/** Store `count` users `user{i}@example.com` in the server's store; returns their ids in order. */
export function seedUsers(ref: Pick<ReferenceServer, 'store' | 'engine'>, count: number, now = new Date()): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const attributes = JSON.parse(
      JSON.stringify({
        userName: `user${i}@example.com`,
        externalId: `00u${i}`,
        name: { givenName: `Given${i}`, familyName: `Family${i}` },
        displayName: `Given${i} Family${i}`,
        emails: [{ primary: true, value: `user${i}@example.com`, type: 'work' }],
        locale: 'en-US',
        active: true,
      }),
    ) as { userName: string; externalId: string } & Record<string, unknown>;
    const user: UserRecord = { id: newId(), version: 1, created: now, lastModified: now, userName: attributes.userName, externalId: attributes.externalId, active: true, attributes };
    ref.store.putUser(user);
    ref.engine.userCreated(user);
    ids.push(user.id);
  }
  return ids;
}
