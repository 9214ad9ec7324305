export { Agent, type AgentOptions } from './agent.js';
export { type AgentConfig, readConfig, writeConfig } from './config.js';
export { enroll } from './enroll.js';
