export * from './administration.js';
export * from './api.js';
export * from './backoff.js';
export * from './frames.js';
export * from './heartbeat.js';
export * from './limits.js';
export * from './protocol.js';
export * from './reconnect.js';
