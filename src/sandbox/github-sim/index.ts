// Public surface of the GitHub simulator. Schema checking lives in
// ./conformance.js and is imported separately (it loads 18 MB of JSON).

export { startGitHubSimulator, GitHubSimulator, SCENARIO_METHODS } from './simulator.js';
export type { GitHubSimulatorOptions, RepoHandle, CheckRunScenario, As, ScenarioMethod } from './simulator.js';
export { WebhookDeliveries, signWebhookBody } from './webhooks.js';
export type { DeliveryRecord, DeliveryOutcome } from './webhooks.js';
export { RouteRecorder } from './recorder.js';
export type { RecordedRequest } from './recorder.js';
export type { Permission, BranchProtection } from './model.js';
export { connectGitHubSimulator } from './client.js';
export type { SimulatorClient } from './client.js';
