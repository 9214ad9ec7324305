export { type Config, configFromEnv } from './config.js';
export { type ParleyServer, type ServerConfig, startServer } from './server.js';
