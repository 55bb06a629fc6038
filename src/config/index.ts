// Settings from the environment and `.env`, validated (see settings.ts and .env.example).
export * from './settings.js';
