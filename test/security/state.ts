// A snapshot of everything the reference server holds, to show that refused requests change nothing.
import { createHash } from 'node:crypto';
import type { ReferenceServer } from 'ubiq-idp/server';

const digest = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 16);

export function snapshot(server: ReferenceServer): string {
  const { store } = server;
  const sorted = <T>(items: Iterable<T>, key: (item: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));
  return JSON.stringify({
    users: sorted(store.listUsers(), (u) => u.id).map((u) => ({ id: u.id, userName: u.userName, active: u.active, version: u.version, attributes: u.attributes })),
    groups: sorted(store.listGroups(), (g) => g.id).map((g) => ({ id: g.id, displayName: g.displayName, version: g.version, members: [...g.members.keys()].sort() })),
    datasets: sorted(store.listDatasets(), (d) => d.id).map((d) => ({ id: d.id, name: d.name })),
    datasetGroups: sorted(store.listDatasetGroups(), (d) => d.id).map((d) => ({ id: d.id, name: d.name, datasets: [...d.datasetIds].sort() })),
    keys: sorted(store.listApiKeys(), (k) => k.id).map((k) => ({
      id: k.id,
      name: k.name,
      enabled: k.enabled,
      userId: k.userId,
      accessKeyId: k.accessKeyId,
      secret: digest(k.secretSigningKey),
      access: [...store.materialisedAccess(k.id)].sort(),
    })),
    idp: server.context.settings.idp,
  });
}
