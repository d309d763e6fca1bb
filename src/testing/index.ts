// ubiq-idp/testing: Okta and Entra emulators and the IdPs' provisioning agents.
export {};
export * from './provisioning-agent-okta.js';
export * from './provisioning-agent-entra.js';
export * from './provisioning-agent-errors.js';
export type { ScimAgentRequest, ScimAgentFetch, ScimAgentMethod, ScimAgentCommonOptions } from './provisioning-agent-http.js';
