// Pitwall's settings: environment variables and a `.env` file, checked against one JSON
// Schema, resolved into typed settings with defaults. The environment wins over `.env`
// (so a shell or CI can override a checked-in file); CLI flags win over both where a
// command has one. Secrets are never echoed: not in errors, not in `describeSettings`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { parse as parseDotenv } from 'dotenv';
import { ConfigError } from '../errors.js';
import { KAFKA_ENV, kafkaSettingsFromEnv, type KafkaSettings } from '../log/kafka/settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** One setting: its variable, what it accepts (said in errors), its default, secrecy. */
export interface SettingSpec {
  readonly name: string;
  /** JSON Schema for the raw text (always a string). */
  readonly schema: Readonly<Record<string, unknown>>;
  /** "an integer between 0 and 65535": completes "<NAME> must be …". */
  readonly accepts: string;
  readonly description: string;
  readonly default?: string;
  readonly secret?: boolean;
  readonly group: 'general' | 'log' | 'kafka' | 'lake' | 'mlflow' | 'server';
}

const BOOL = {
  type: 'string',
  pattern: '^(true|false|TRUE|FALSE|True|False|1|0|yes|no|on|off)$',
};
const NON_EMPTY = { type: 'string', minLength: 1, pattern: '\\S' };

/** Every setting Pitwall reads, in the order `.env.example` lists them. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    name: 'PITWALL_HOME',
    group: 'general',
    schema: NON_EMPTY,
    accepts: 'a folder path',
    description: 'folder for local state: the embedded log, the lake and datasets live under it',
    default: '.pitwall',
  },
  {
    name: 'PITWALL_LOG',
    group: 'log',
    schema: { type: 'string', enum: ['local', 'kafka'] },
    accepts: 'local or kafka',
    description: 'the log commands use by default: the embedded log (local) or Kafka',
    default: 'local',
  },
  {
    name: 'PITWALL_LOG_DIR',
    group: 'log',
    schema: NON_EMPTY,
    accepts: 'a folder path',
    description: 'folder of the embedded log',
    default: '<PITWALL_HOME>/log',
  },
  {
    name: 'PITWALL_TOPIC',
    group: 'log',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' },
    accepts: "a topic name (letters, digits, '.', '_', '-'; at most 249)",
    description: 'telemetry topic',
    default: 'telemetry',
  },
  ...Object.entries(KAFKA_ENV).map(([name, description]): SettingSpec => ({
    name,
    group: 'kafka',
    // Kafka's own parser (kafkaSettingsFromEnv) checks these in depth; the schema only
    // rejects what can never be right.
    schema:
      name.endsWith('_TLS') || name.endsWith('_INSECURE')
        ? BOOL
        : name.endsWith('_REPLICATION_FACTOR')
          ? { type: 'string', pattern: '^(-1|[1-9][0-9]{0,3})$' }
          : NON_EMPTY,
    accepts: name.endsWith('_TLS') || name.endsWith('_INSECURE') ? 'true or false' : description,
    description,
    secret: name === 'PITWALL_KAFKA_SASL_PASSWORD',
  })),
  {
    name: 'PITWALL_LAKE',
    group: 'lake',
    schema: NON_EMPTY,
    accepts: 'a folder path or a file:// URI',
    description:
      'lake root (a folder, or file:///abs/path; abfss:// and s3:// are recognised and refused until cloud storage lands)',
    default: '<PITWALL_HOME>/lake',
  },
  {
    name: 'MLFLOW_TRACKING_URI',
    group: 'mlflow',
    schema: NON_EMPTY,
    accepts: 'a folder path, a file:// URI or an http(s):// URL',
    description:
      "MLflow tracking: a local file store (MLflow's ./mlruns layout) or a tracking server URL",
    default: './mlruns',
  },
  {
    name: 'MLFLOW_TRACKING_TOKEN',
    group: 'mlflow',
    schema: NON_EMPTY,
    accepts: 'a non-empty token',
    description: 'bearer token for the MLflow server',
    secret: true,
  },
  {
    name: 'MLFLOW_TRACKING_USERNAME',
    group: 'mlflow',
    schema: NON_EMPTY,
    accepts: 'a non-empty user name',
    description: 'basic-auth user for the MLflow server (with MLFLOW_TRACKING_PASSWORD)',
  },
  {
    name: 'MLFLOW_TRACKING_PASSWORD',
    group: 'mlflow',
    schema: NON_EMPTY,
    accepts: 'a non-empty password',
    description: 'basic-auth password for the MLflow server',
    secret: true,
  },
  {
    name: 'PITWALL_HOST',
    group: 'server',
    schema: {
      type: 'string',
      pattern: '^(\\[[0-9a-fA-F:.]+\\]|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*|[A-Za-z0-9.-]{1,253})$',
    },
    accepts: 'a host name or IP address',
    description: 'address the cockpit server binds (anything but loopback needs PITWALL_TOKEN)',
    default: '127.0.0.1',
  },
  {
    name: 'PITWALL_PORT',
    group: 'server',
    schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,4})$' },
    accepts: 'an integer between 0 and 65535',
    description: 'port of the cockpit server (0: any free port)',
    default: '8080',
  },
  {
    name: 'PITWALL_TOKEN',
    group: 'server',
    schema: { type: 'string', minLength: 16, pattern: '^[\\x21-\\x7e]+$' },
    accepts: 'at least 16 printable characters without spaces',
    description:
      'token the server requires on control endpoints (required when not bound to loopback)',
    secret: true,
  },
];

const SPEC_BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateRaw = ajv.compile({
  type: 'object',
  properties: Object.fromEntries(SETTINGS.map((s) => [s.name, s.schema])),
});

export type LakeScheme = 'file';

export interface Settings {
  readonly home: string;
  readonly log: {
    readonly kind: 'local' | 'kafka';
    readonly dir: string;
    readonly topic: string;
    /** Present when PITWALL_KAFKA_BROKERS is set (and required when kind is kafka). */
    readonly kafka?: KafkaSettings;
  };
  readonly lake: { readonly uri: string; readonly root: string };
  readonly mlflow: {
    readonly trackingUri: string;
    readonly token?: string;
    readonly username?: string;
    readonly password?: string;
  };
  readonly server: { readonly host: string; readonly port: number; readonly token?: string };
}

export interface LoadSettingsOptions {
  /** Variables to read (default process.env); they win over the file. */
  readonly env?: Env;
  /** `.env` file to read; `false` for none. Default `<cwd>/.env`, skipped when missing. */
  readonly envFile?: string | false;
  readonly cwd?: string;
}

export interface LoadedSettings {
  readonly settings: Settings;
  /** Where each set variable came from. */
  readonly sources: Readonly<Record<string, 'env' | '.env'>>;
  /** The merged variables (file, then environment), for parts that read env themselves. */
  readonly env: Readonly<Record<string, string>>;
  readonly envFile?: string;
}

function shown(spec: SettingSpec | undefined, value: string): string {
  return spec?.secret === true ? '(value hidden)' : `(got ${JSON.stringify(value)})`;
}

function schemaFailure(
  error: ErrorObject,
  raw: Record<string, string>,
  origin: string,
): ConfigError {
  const name = error.instancePath.replace(/^\//, '');
  const spec = SPEC_BY_NAME.get(name);
  const value = raw[name] ?? '';
  return new ConfigError(
    `${name} ${origin}must be ${spec?.accepts ?? 'valid'} ${shown(spec, value)}`,
  );
}

function readEnvFile(file: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseDotenv(text);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** `PITWALL_LAKE` text → an absolute-or-relative folder; refuses schemes not implemented. */
export function parseLakeUri(text: string): { uri: string; root: string } {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { uri: text, root: text };
  if (scheme === 'file') {
    const root = decodeURIComponent(text.slice('file://'.length));
    if (!root.startsWith('/')) {
      throw new ConfigError(
        `PITWALL_LAKE must be file:///absolute/path (got ${JSON.stringify(text)})`,
      );
    }
    return { uri: text, root };
  }
  if (['abfss', 'abfs', 's3', 's3a', 'gs', 'az'].includes(scheme)) {
    throw new ConfigError(
      `PITWALL_LAKE: ${scheme}:// lakes are not supported yet; use a folder (got ${JSON.stringify(text)})`,
    );
  }
  throw new ConfigError(
    `PITWALL_LAKE must be a folder path or a file:// URI (got ${JSON.stringify(text)})`,
  );
}

/** `MLFLOW_TRACKING_URI`: a file store path, file:// URI, or http(s) URL. */
function checkTrackingUri(text: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file' || text.startsWith('/')) return text;
  if (scheme === 'http' || scheme === 'https') {
    try {
      new URL(text);
      return text;
    } catch {
      throw new ConfigError(`MLFLOW_TRACKING_URI is not a valid URL (got ${JSON.stringify(text)})`);
    }
  }
  throw new ConfigError(
    `MLFLOW_TRACKING_URI must be a folder path, a file:// URI or an http(s):// URL (got ${JSON.stringify(text)})`,
  );
}

/**
 * Reads `.env` and the environment, validates every Pitwall setting and resolves defaults.
 * Throws a ConfigError with a one-line message naming the variable on bad input.
 *
 * @example
 * const { settings } = loadSettings();
 * console.log(settings.lake.root, settings.server.port);
 */
export function loadSettings(options: LoadSettingsOptions = {}): LoadedSettings {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envFile =
    options.envFile === false ? undefined : path.resolve(cwd, options.envFile ?? '.env');
  const fromFile = envFile === undefined ? undefined : readEnvFile(envFile);
  if (options.envFile !== undefined && options.envFile !== false && fromFile === undefined) {
    throw new ConfigError(`no settings file at ${envFile}`);
  }
  const sources: Record<string, 'env' | '.env'> = {};
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(fromFile ?? {})) {
    merged[name] = value;
    sources[name] = '.env';
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    merged[name] = value;
    sources[name] = 'env';
  }
  // A Pitwall-looking variable in .env that Pitwall does not know is a typo, not a wish.
  for (const name of Object.keys(fromFile ?? {})) {
    if (
      (name.startsWith('PITWALL_') || name.startsWith('MLFLOW_TRACKING')) &&
      !SPEC_BY_NAME.has(name)
    ) {
      throw new ConfigError(
        `${envFile ?? '.env'}: unknown setting ${name} (see .env.example for the list)`,
      );
    }
  }
  // Empty values mean "not set", as in most .env conventions.
  const raw: Record<string, string> = {};
  for (const spec of SETTINGS) {
    const value = merged[spec.name];
    if (value !== undefined && value.trim() !== '') raw[spec.name] = value.trim();
  }
  if (!validateRaw(raw)) {
    const first = validateRaw.errors?.[0];
    if (first !== undefined) {
      const name = first.instancePath.replace(/^\//, '');
      throw schemaFailure(first, raw, sources[name] === '.env' ? '(from .env) ' : '');
    }
  }

  const get = (name: string): string | undefined => raw[name];
  const home = get('PITWALL_HOME') ?? '.pitwall';
  const kind = (get('PITWALL_LOG') ?? 'local') as 'local' | 'kafka';
  const kafka =
    get('PITWALL_KAFKA_BROKERS') !== undefined || kind === 'kafka'
      ? wrapKafka(() => kafkaSettingsFromEnv(raw))
      : undefined;
  const lake = parseLakeUri(get('PITWALL_LAKE') ?? path.join(home, 'lake'));
  const trackingUri = checkTrackingUri(get('MLFLOW_TRACKING_URI') ?? './mlruns');
  const username = get('MLFLOW_TRACKING_USERNAME');
  const password = get('MLFLOW_TRACKING_PASSWORD');
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError(
      'MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD must be set together',
    );
  }
  const host = get('PITWALL_HOST') ?? '127.0.0.1';
  const port = Number(get('PITWALL_PORT') ?? '8080');
  if (port > 65_535) {
    throw new ConfigError(`PITWALL_PORT must be an integer between 0 and 65535 (got "${port}")`);
  }
  const token = get('PITWALL_TOKEN');
  if (!LOOPBACK.has(host) && token === undefined) {
    throw new ConfigError(
      `PITWALL_HOST is ${host}, not loopback: set PITWALL_TOKEN (16+ characters) so control endpoints are not open to the network`,
    );
  }
  const settings: Settings = {
    home,
    log: {
      kind,
      dir: get('PITWALL_LOG_DIR') ?? path.join(home, 'log'),
      topic: get('PITWALL_TOPIC') ?? 'telemetry',
      kafka,
    },
    lake,
    mlflow: {
      trackingUri,
      ...(get('MLFLOW_TRACKING_TOKEN') === undefined
        ? {}
        : { token: get('MLFLOW_TRACKING_TOKEN') }),
      ...(username === undefined ? {} : { username, password }),
    },
    server: { host, port, ...(token === undefined ? {} : { token }) },
  };
  return { settings, sources, env: merged, ...(fromFile === undefined ? {} : { envFile }) };
}

function wrapKafka(read: () => KafkaSettings): KafkaSettings {
  try {
    return read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      message.includes('no brokers') || /PITWALL_KAFKA_BROKERS/.test(message)
        ? message
        : `Kafka settings: ${message}`,
      { cause: error },
    );
  }
}

/** Settings as (name, value, source) rows for `pitwall config show`; secrets masked. */
export function describeSettings(
  loaded: LoadedSettings,
): { name: string; value: string; source: string }[] {
  return SETTINGS.map((spec) => {
    const value = loaded.env[spec.name];
    const set = value !== undefined && value.trim() !== '';
    return {
      name: spec.name,
      value: set ? (spec.secret === true ? '********' : value) : (spec.default ?? ''),
      source: set
        ? (loaded.sources[spec.name] ?? 'env')
        : spec.default === undefined
          ? 'unset'
          : 'default',
    };
  });
}
