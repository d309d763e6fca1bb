// ubiq-idp/testing: Okta and Entra emulators and the IdPs' provisioning agents.
export {};
export * from './provisioning-agent-okta.js';
export * from './provisioning-agent-entra.js';
export * from './provisioning-agent-errors.js';
export type { ScimAgentRequest, ScimAgentFetch, ScimAgentMethod, ScimAgentCommonOptions } from './provisioning-agent-http.js';
export * from './okta.js';
export * from './entra.js';
export { createEmulatorClock } from './emulator-clock.js';
export type { EmulatorClock } from './emulator-clock.js';
export type { EmulatorStats } from './emulator-stats.js';
export type { EmulatorFaults, EmulatorFaultSettings, EmulatorPendingFaults, EmulatorEndpoint, EmulatorFailStatus } from './emulator-faults.js';
export type { EmulatorBase, EmulatorListenOptions } from './emulator-host.js';
export type { EmulatorPublicJwk, RotateKeysOptions } from './emulator-keys.js';
export type { EmulatorDirectoryApi } from './emulator-directory.js';
export { EmulatorUsageError, isEmulatorUsageError } from './emulator-errors.js';
