// HTTP to an MLflow tracking server: auth headers, timeouts, retries with exponential
// backoff on 408/429/5xx and network errors (the codes MLflow's own client retries,
// mlflow/utils/request_utils.py), and MLflow's JSON errors (`{"error_code", "message"}`)
// mapped to TrackingError codes. node:http/https rather than fetch, for a CA file and
// TLS options without another dependency.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ERROR_CODES, TrackingError, type TrackingErrorCode } from '../../../errors.js';
import type { RestSettings } from '../settings.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Query values; arrays repeat the key (`experiment_ids=1&experiment_ids=2`). */
export type Query = Readonly<Record<string, string | number | readonly string[] | undefined>>;

interface RequestSpec {
  readonly method: HttpMethod;
  /** Path below the base URL, starting with `/` (already percent-encoded). */
  readonly path: string;
  readonly query?: Query;
  readonly body?: Buffer;
  readonly contentType?: string;
}

const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

/** MLflow's error codes (databricks.proto `ErrorCode`) → Pitwall's. */
function codeFor(status: number, mlflowCode: string | undefined): TrackingErrorCode {
  switch (mlflowCode) {
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'ENDPOINT_NOT_FOUND':
      return ERROR_CODES.trackingNotFound;
    case 'RESOURCE_ALREADY_EXISTS':
      return ERROR_CODES.trackingAlreadyExists;
    case 'INVALID_PARAMETER_VALUE':
    case 'MALFORMED_REQUEST':
    case 'BAD_REQUEST':
    case 'INVALID_STATE':
      return ERROR_CODES.trackingInvalidArgument;
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
    case 'CUSTOMER_UNAUTHORIZED':
      return ERROR_CODES.trackingUnauthorized;
    default:
      break;
  }
  if (status === 401 || status === 403) return ERROR_CODES.trackingUnauthorized;
  if (status === 404) return ERROR_CODES.trackingNotFound;
  if (status === 400) return ERROR_CODES.trackingInvalidArgument;
  return ERROR_CODES.tracking;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error ? (error as Error & { code?: string }).code : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds or as an HTTP date → milliseconds, if given. */
function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

class NetworkError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * One MLflow server: JSON calls, raw uploads and streamed downloads, each retried on
 * transient failures. `close()` drops its kept-alive connections.
 *
 * @example
 * const client = new MlflowHttpClient(restSettingsFromEnv('http://127.0.0.1:5000'));
 * const { experiment_id } = await client.callJson<{ experiment_id: string }>(
 *   'POST', '/api/2.0/mlflow/experiments/create', { body: { name: 'driving-style' } });
 * client.close();
 */
export class MlflowHttpClient {
  readonly settings: RestSettings;
  private readonly agent: http.Agent;
  private readonly base: URL;
  /** Waits between retries; replaceable so tests need not sleep. */
  sleep: (ms: number) => Promise<void> = sleep;

  constructor(settings: RestSettings) {
    this.settings = settings;
    this.base = new URL(settings.baseUrl);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 8,
            rejectUnauthorized: settings.tls.rejectUnauthorized,
            ...(settings.tls.ca === undefined ? {} : { ca: settings.tls.ca }),
          })
        : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  get baseUrl(): string {
    return this.settings.baseUrl;
  }

  close(): void {
    this.agent.destroy();
  }

  private headers(spec: RequestSpec): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': 'pitwall-mlflow-client',
      accept: 'application/json',
    };
    const auth = this.settings.auth;
    if (auth?.kind === 'basic') {
      headers['authorization'] =
        `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    } else if (auth?.kind === 'bearer') {
      headers['authorization'] = `Bearer ${auth.token}`;
    }
    if (spec.body !== undefined) {
      headers['content-type'] = spec.contentType ?? 'application/json';
      headers['content-length'] = String(spec.body.length);
    }
    return headers;
  }

  private url(spec: RequestSpec): URL {
    const url = new URL(this.base.href.replace(/\/+$/, '') + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value))
        for (const item of value as readonly string[]) url.searchParams.append(key, item);
      else url.searchParams.append(key, String(value));
    }
    return url;
  }

  /** One attempt; `onResponse` consumes the body (buffer or stream). */
  private attempt<T>(
    spec: RequestSpec,
    onResponse: (response: IncomingMessage) => Promise<T>,
  ): Promise<T> {
    const url = this.url(spec);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const request = transport.request(url, {
        method: spec.method,
        headers: this.headers(spec),
        agent: this.agent,
      });
      request.setTimeout(this.settings.timeoutMs, () => {
        request.destroy(
          new NetworkError('ETIMEDOUT', `no answer within ${this.settings.timeoutMs} ms`),
        );
      });
      request.on('error', (error) => {
        const code = errnoOf(error) ?? 'ECONNRESET';
        reject(
          error instanceof NetworkError
            ? error
            : new NetworkError(code, error.message, { cause: error }),
        );
      });
      request.on('response', (response) => {
        response.on('error', (error) => {
          reject(new NetworkError(errnoOf(error) ?? 'ECONNRESET', error.message, { cause: error }));
        });
        onResponse(response).then(resolve, reject);
      });
      request.end(spec.body);
    });
  }

  private static async readAll(response: IncomingMessage): Promise<HttpResponse> {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return {
      status: response.statusCode ?? 0,
      headers: response.headers,
      body: Buffer.concat(chunks),
    };
  }

  private describe(spec: RequestSpec): string {
    return `${spec.method} ${this.settings.baseUrl}${spec.path}`;
  }

  /** The TrackingError for a final non-2xx answer. */
  private errorFor(spec: RequestSpec, response: HttpResponse): TrackingError {
    let mlflowCode: string | undefined;
    let message: string | undefined;
    try {
      const parsed = JSON.parse(response.body.toString('utf8')) as {
        error_code?: unknown;
        message?: unknown;
      };
      if (typeof parsed.error_code === 'string') mlflowCode = parsed.error_code;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not JSON (a proxy's HTML page): keep the start of the text.
    }
    message ??= oneLine(response.body.toString('utf8'), 200) || '(empty body)';
    const code = codeFor(response.status, mlflowCode);
    const hint =
      code === ERROR_CODES.trackingUnauthorized
        ? ' (check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD)'
        : '';
    return new TrackingError(
      code,
      `MLflow server answered ${response.status}${mlflowCode === undefined ? '' : ` ${mlflowCode}`} to ${this.describe(spec)}: ${oneLine(message)}${hint}`,
      { mlflowErrorCode: mlflowCode, httpStatus: response.status },
    );
  }

  /** Runs `spec` with retries; `accept` turns a 2xx response into the result. */
  private async withRetries<T>(
    spec: RequestSpec,
    handle: (
      response: IncomingMessage,
    ) => Promise<{ done: true; value: T } | { done: false; response: HttpResponse }>,
  ): Promise<T> {
    const { maxRetries, backoffMs, maxBackoffMs } = this.settings.retry;
    for (let attempt = 0; ; attempt++) {
      let failure: { reason: string; waitMs?: number; response?: HttpResponse };
      try {
        const outcome = await this.attempt(spec, handle);
        if (outcome.done) return outcome.value;
        const response = outcome.response;
        if (!RETRY_STATUSES.has(response.status)) throw this.errorFor(spec, response);
        failure = {
          reason: `HTTP ${response.status}`,
          waitMs: retryAfterMs(response.headers),
          response,
        };
      } catch (error) {
        if (!(error instanceof NetworkError) || !NETWORK_ERRORS.has(error.code)) throw error;
        failure = { reason: `${error.code}: ${error.message}` };
      }
      if (attempt >= maxRetries) {
        const last =
          failure.response === undefined ? undefined : this.errorFor(spec, failure.response);
        throw new TrackingError(
          ERROR_CODES.trackingUnavailable,
          `MLflow server unavailable: ${this.describe(spec)} failed ${attempt + 1} time${attempt === 0 ? '' : 's'}, last with ${last === undefined ? failure.reason : last.message}`,
          {
            canRetry: true,
            ...(last?.mlflowErrorCode === undefined
              ? {}
              : { mlflowErrorCode: last.mlflowErrorCode }),
            ...(failure.response === undefined ? {} : { httpStatus: failure.response.status }),
          },
        );
      }
      const exponential = backoffMs * 2 ** attempt * (0.5 + Math.random());
      await this.sleep(Math.min(maxBackoffMs, failure.waitMs ?? exponential));
    }
  }

  /** Sends a request and returns the raw answer, retrying transient failures; non-2xx throws. */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    return this.withRetries(spec, async (response) => {
      const full = await MlflowHttpClient.readAll(response);
      return full.status >= 200 && full.status < 300
        ? { done: true, value: full }
        : { done: false, response: full };
    });
  }

  /**
   * A JSON call. GET and DELETE-less-body requests carry `query`; others send `body` as JSON.
   * The answer's JSON is returned as `T` (`{}` for an empty body).
   */
  async callJson<T>(
    method: HttpMethod,
    endpoint: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const response = await this.request({
      method,
      path: endpoint,
      ...(options.query === undefined ? {} : { query: options.query }),
      ...(options.body === undefined
        ? {}
        : { body: Buffer.from(JSON.stringify(options.body), 'utf8') }),
    });
    const text = response.body.toString('utf8');
    if (text.trim() === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new TrackingError(
        ERROR_CODES.tracking,
        `MLflow server sent something other than JSON for ${method} ${this.settings.baseUrl}${endpoint}: ${oneLine(text, 120)}`,
        { cause: error },
      );
    }
  }

  /** PUTs bytes (an artifact upload through the server's proxy). */
  async put(endpoint: string, body: Buffer): Promise<void> {
    await this.request({
      method: 'PUT',
      path: endpoint,
      body,
      contentType: 'application/octet-stream',
    });
  }

  /** GETs `endpoint` into `destFile` (written to a temporary name, then renamed). */
  async download(endpoint: string, destFile: string): Promise<void> {
    await mkdir(path.dirname(destFile), { recursive: true });
    const temp = `${destFile}.part-${process.pid}`;
    try {
      await this.withRetries({ method: 'GET', path: endpoint }, async (response) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300)
          return { done: false, response: await MlflowHttpClient.readAll(response) };
        try {
          await pipeline(response, createWriteStream(temp));
        } catch (error) {
          // A connection cut mid-body is as transient as one refused: retry the download.
          const code = errnoOf(error);
          if (
            code === 'ERR_STREAM_PREMATURE_CLOSE' ||
            (code !== undefined && NETWORK_ERRORS.has(code))
          ) {
            throw new NetworkError('ECONNRESET', `download interrupted (${code})`, {
              cause: error,
            });
          }
          throw error;
        }
        return { done: true, value: undefined };
      });
      await rename(temp, destFile);
    } finally {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  }
}
