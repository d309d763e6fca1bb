import { createEntraProvisioningAgent, createOktaProvisioningAgent, type EntraEmulator, type OktaEmulator, type ScimAgentRequest } from '../testing/index.js';
import type { EmulatedIdp } from './emulated-idps.js';

/**
 * What an IdP administrator does in Okta or Entra, as one interface: the change in the directory (the
 * emulator) and the SCIM requests the IdP's provisioning agent then sends to Ubiq.
 */
export interface Provisioner {
  /** Every SCIM request sent so far. */
  readonly requests: readonly ScimAgentRequest[];
  /** Okta "Test API Credentials" / Entra "Test Connection". */
  testConnection(): Promise<void>;
  /** Assign a person to the app: the agent creates the SCIM user. */
  assign(username: string): Promise<void>;
  /** Push a group with these members (Okta Push Groups / Entra group provisioning). */
  pushGroup(group: string, members: readonly string[]): Promise<void>;
  addMember(group: string, username: string): Promise<void>;
  removeMember(group: string, username: string): Promise<void>;
  renameGroup(group: string, newName: string): Promise<void>;
  /** Deactivate the person in the directory (sign-in refused) and in Ubiq (SCIM active=false). */
  deactivate(username: string): Promise<void>;
  reactivate(username: string): Promise<void>;
}

export function createProvisioner(idp: EmulatedIdp, scimBaseUrl: string, scimToken: string): Provisioner {
  return idp.provider === 'okta' ? oktaProvisioner(idp.emulator as OktaEmulator, scimBaseUrl, scimToken) : entraProvisioner(idp.emulator as EntraEmulator, scimBaseUrl, scimToken);
}

function oktaProvisioner(okta: OktaEmulator, scimBaseUrl: string, token: string): Provisioner {
  const agent = createOktaProvisioningAgent({ scimBaseUrl, token, emulator: okta });
  // Okta keeps the pushed group's name; after a rename the agent is told the new one.
  const names = new Map<string, string>();
  const ref = (group: string) => ({ name: names.get(group) ?? group });
  return {
    get requests() {
      return agent.requests;
    },
    async testConnection() {
      await agent.testApiCredentials();
    },
    async assign(username) {
      await agent.assignUser(username);
    },
    async pushGroup(group, members) {
      await agent.pushGroup(group, members);
    },
    async addMember(group, username) {
      okta.addMember(names.get(group) ?? group, username);
      await agent.updateGroupMembers(ref(group), { add: [username] });
    },
    async removeMember(group, username) {
      okta.removeMember(names.get(group) ?? group, username);
      await agent.updateGroupMembers(ref(group), { remove: [username] });
    },
    async renameGroup(group, newName) {
      await agent.renameGroup(ref(group), newName);
      names.set(group, newName);
    },
    async deactivate(username) {
      okta.updateUser(username, { status: 'DEPROVISIONED' });
      await agent.deactivateUser(username);
    },
    async reactivate(username) {
      okta.updateUser(username, { status: 'ACTIVE' });
      await agent.reactivateUser(username);
    },
  };
}

function entraProvisioner(entra: EntraEmulator, scimBaseUrl: string, token: string): Provisioner {
  const agent = createEntraProvisioningAgent({ scimBaseUrl, token, emulator: entra });
  const group = (name: string) => {
    const found = entra.getGroup(name);
    return found ? { id: found.id, displayName: found.displayName } : name;
  };
  return {
    get requests() {
      return agent.requests;
    },
    async testConnection() {
      await agent.testConnection();
    },
    async assign(username) {
      await agent.provisionUser(username);
    },
    async pushGroup(name, members) {
      await agent.provisionGroup(group(name), members);
    },
    async addMember(name, username) {
      entra.addMember(name, username);
      await agent.addMembers(group(name), [username]);
    },
    async removeMember(name, username) {
      entra.removeMember(name, username);
      await agent.removeMembers(group(name), [username]);
    },
    async renameGroup(name, newName) {
      await agent.renameGroup(group(name), newName);
    },
    async deactivate(username) {
      entra.updateUser(username, { accountEnabled: false });
      await agent.disableUser(username);
    },
    async reactivate(username) {
      entra.updateUser(username, { accountEnabled: true });
      await agent.enableUser(username);
    },
  };
}
