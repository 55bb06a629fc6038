// Where runs go and how to reach a server: the tracking URI and MLflow's own environment
// variables (the names MLflow's Python client reads, so one shell setup serves both).
// Validated here, once, so the stores can trust what they get.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../errors.js';

/** The environment variables Pitwall's tracking reads, with what each means. */
export const MLFLOW_ENV = {
  MLFLOW_TRACKING_URI:
    'where runs go: a folder or file: URI (file store), or http(s)://host[:port][/prefix] (MLflow server); default ./mlruns',
  MLFLOW_TRACKING_TOKEN: 'bearer token sent to the server (Authorization: Bearer …)',
  MLFLOW_TRACKING_USERNAME:
    'HTTP basic-auth user for the server (with MLFLOW_TRACKING_PASSWORD; wins over the token)',
  MLFLOW_TRACKING_PASSWORD: 'HTTP basic-auth password for the server',
  MLFLOW_TRACKING_INSECURE_TLS: 'true to skip checking the server certificate (testing only)',
  MLFLOW_TRACKING_SERVER_CERT_PATH: 'PEM file of certificate authorities to trust for the server',
  MLFLOW_HTTP_REQUEST_MAX_RETRIES:
    'retries after a 408/429/5xx answer or a network error (default 5)',
  MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR:
    'seconds before the first retry, doubled each time (default 0.5)',
  MLFLOW_HTTP_REQUEST_TIMEOUT: 'seconds one request may take (default 120)',
} as const;

export const DEFAULT_TRACKING_DIR = './mlruns';

export type TrackingTarget =
  | { readonly kind: 'file'; readonly root: string }
  | { readonly kind: 'rest'; readonly baseUrl: string };

export interface RetrySettings {
  readonly maxRetries: number;
  /** Wait before the first retry; doubled each retry, with ±50 % jitter. */
  readonly backoffMs: number;
  /** No single wait exceeds this (a server's Retry-After included). */
  readonly maxBackoffMs: number;
}

export interface RestSettings {
  /** Base URL without a trailing slash and without credentials. */
  readonly baseUrl: string;
  readonly auth:
    | { readonly kind: 'basic'; readonly username: string; readonly password: string }
    | { readonly kind: 'bearer'; readonly token: string }
    | undefined;
  readonly tls: { readonly ca?: string; readonly rejectUnauthorized: boolean };
  readonly timeoutMs: number;
  readonly retry: RetrySettings;
}

export const REST_DEFAULTS = {
  timeoutMs: 120_000,
  retry: { maxRetries: 5, backoffMs: 500, maxBackoffMs: 30_000 },
} as const satisfies Pick<RestSettings, 'timeoutMs' | 'retry'>;

function invalidSetting(message: string): TrackingError {
  return new TrackingError(ERROR_CODES.trackingInvalidArgument, message);
}

const SERVER_HINT =
  'serve it with `mlflow server --backend-store-uri <uri>` and set MLFLOW_TRACKING_URI=http://host:port';

/**
 * A tracking URI → the store it names. A folder path or `file:` URI is the file store;
 * `http(s)://` is a server; anything else (`sqlite:`, `databricks`, …) fails with a hint.
 *
 * @example
 * parseTrackingUri('./mlruns');               // { kind: 'file', root: '/abs/mlruns' }
 * parseTrackingUri('http://127.0.0.1:5000/'); // { kind: 'rest', baseUrl: 'http://127.0.0.1:5000' }
 */
export function parseTrackingUri(uri: string | undefined): TrackingTarget {
  const text = (uri ?? '').trim();
  if (text === '') return { kind: 'file', root: path.resolve(DEFAULT_TRACKING_DIR) };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined || /^[a-zA-Z]:[\\/]/.test(text)) {
    return { kind: 'file', root: path.resolve(text) };
  }
  if (scheme === 'file') {
    let url: URL;
    try {
      url = new URL(text.replace(/^file:(?!\/\/)/i, 'file://'));
    } catch {
      throw invalidSetting(
        `invalid tracking URI ${JSON.stringify(text)}: expected file:///absolute/path`,
      );
    }
    if (url.host !== '' && url.host !== 'localhost') {
      throw invalidSetting(
        `invalid tracking URI ${JSON.stringify(text)}: file URIs cannot name a host (${url.host})`,
      );
    }
    return { kind: 'file', root: path.resolve(decodeURIComponent(url.pathname)) };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalidSetting(
        `invalid tracking URI ${JSON.stringify(text)}: expected http(s)://host[:port][/prefix]`,
      );
    }
    if (url.hostname === '') {
      throw invalidSetting(`invalid tracking URI ${JSON.stringify(text)}: no host`);
    }
    if (url.search !== '' || url.hash !== '') {
      throw invalidSetting(
        `invalid tracking URI ${JSON.stringify(text)}: no query or fragment allowed`,
      );
    }
    return { kind: 'rest', baseUrl: url.href.replace(/\/+$/, '') };
  }
  throw invalidSetting(
    `Pitwall cannot open ${scheme}: tracking URIs (${JSON.stringify(text)}) itself; ${SERVER_HINT}`,
  );
}

function envNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
    throw invalidSetting(
      `${name} must be a number between ${min} and ${max} (got ${JSON.stringify(text)})`,
    );
  }
  return value;
}

function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const text = env[name]?.trim().toLowerCase();
  if (text === undefined || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw invalidSetting(`${name} must be true or false (got ${JSON.stringify(env[name])})`);
}

/**
 * The settings for a server at `baseUrl` from MLflow's environment variables; credentials
 * embedded in the URL (`https://user:pass@host`) count as basic auth.
 */
export function restSettingsFromEnv(
  baseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): RestSettings {
  const url = new URL(baseUrl);
  let auth: RestSettings['auth'];
  const username =
    env['MLFLOW_TRACKING_USERNAME'] ??
    (url.username !== '' ? decodeURIComponent(url.username) : undefined);
  const password =
    env['MLFLOW_TRACKING_PASSWORD'] ??
    (url.password !== '' ? decodeURIComponent(url.password) : undefined);
  const token = env['MLFLOW_TRACKING_TOKEN'];
  if ((username === undefined) !== (password === undefined) && (username ?? password) !== '') {
    throw invalidSetting(
      'MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD must be set together',
    );
  }
  // MLflow's own precedence (mlflow/utils/rest_utils.py): basic auth first, then the token.
  if (username !== undefined && password !== undefined && username !== '') {
    auth = { kind: 'basic', username, password };
  } else if (token !== undefined && token !== '') {
    auth = { kind: 'bearer', token };
  }
  url.username = '';
  url.password = '';
  let ca: string | undefined;
  const caPath = env['MLFLOW_TRACKING_SERVER_CERT_PATH'];
  if (caPath !== undefined && caPath !== '') {
    try {
      ca = readFileSync(caPath, 'utf8');
    } catch (error) {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        `MLFLOW_TRACKING_SERVER_CERT_PATH ${caPath} is unreadable (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
  }
  return {
    baseUrl: url.href.replace(/\/+$/, ''),
    auth,
    tls: {
      ...(ca === undefined ? {} : { ca }),
      rejectUnauthorized: !envBoolean(env, 'MLFLOW_TRACKING_INSECURE_TLS'),
    },
    timeoutMs: Math.round(
      envNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', REST_DEFAULTS.timeoutMs / 1000, 1, 3600) * 1000,
    ),
    retry: {
      maxRetries: envNumber(
        env,
        'MLFLOW_HTTP_REQUEST_MAX_RETRIES',
        REST_DEFAULTS.retry.maxRetries,
        0,
        20,
      ),
      backoffMs: Math.round(
        envNumber(
          env,
          'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR',
          REST_DEFAULTS.retry.backoffMs / 1000,
          0,
          120,
        ) * 1000,
      ),
      maxBackoffMs: REST_DEFAULTS.retry.maxBackoffMs,
    },
  };
}
