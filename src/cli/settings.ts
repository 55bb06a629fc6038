// The settings behind the CLI's defaults: `PITWALL_*` and `MLFLOW_*` from the command's
// environment (with `.env` merged in by `main`), validated once per environment.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { loadSettings, type Settings } from '../config/index.js';
import { ConfigError } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

const cache = new WeakMap<Env, Settings>();

/** Validated settings of `env` (a ConfigError, exit 2, on a bad value). */
export function cliSettings(env: Env): Settings {
  let settings = cache.get(env);
  if (settings === undefined) {
    settings = loadSettings({ env, envFile: false }).settings;
    cache.set(env, settings);
  }
  return settings;
}

/**
 * `env` with the variables of `<cwd>/.env` added where `env` has none (the environment
 * wins). No file, no change.
 */
export function withDotenv(env: Env, cwd = process.cwd()): Env {
  const file = path.join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return { ...parseDotenv(text), ...env };
}
