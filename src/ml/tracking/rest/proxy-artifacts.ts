// Run artifacts through a tracking server's artifact proxy (`mlflow server`, serving
// artifacts by default since MLflow 2): a run whose artifact_uri is
// `mlflow-artifacts:/<exp>/<run>/artifacts` is read and written with
//   PUT  /api/2.0/mlflow-artifacts/artifacts/<path>        upload one file (raw body)
//   GET  /api/2.0/mlflow-artifacts/artifacts/<path>        download one file
//   GET  /api/2.0/mlflow-artifacts/artifacts?path=<dir>    list a folder (basenames)
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, TrackingError } from '../../../errors.js';
import type { ArtifactInfo, ArtifactRepository } from '../types.js';
import { normalizeArtifactPath } from '../validation.js';
import type { MlflowHttpClient } from './http-client.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const UPLOAD_CONCURRENCY = 4;

interface ListedFile {
  readonly path?: string;
  readonly is_dir?: boolean;
  readonly file_size?: number | string;
}

/** `mlflow-artifacts:/1/abc/artifacts` → `1/abc/artifacts` (the server-side path). */
export function proxyPathOfUri(uri: string, trackingBaseUrl: string): string {
  const match = /^mlflow-artifacts:(\/\/([^/]*))?(\/.*)?$/.exec(uri);
  if (match === null) {
    throw new TrackingError(
      ERROR_CODES.trackingInvalidArgument,
      `not an mlflow-artifacts URI: ${uri}`,
    );
  }
  const host = match[2];
  if (host !== undefined && host !== '' && host !== new URL(trackingBaseUrl).host) {
    throw new TrackingError(
      ERROR_CODES.trackingInvalidArgument,
      `artifact URI ${uri} names another server (${host}) than the tracking server ${trackingBaseUrl}`,
    );
  }
  return decodeURIComponent((match[3] ?? '/').replace(/^\/+|\/+$/g, ''));
}

function joinPath(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

function encodePath(serverPath: string): string {
  return serverPath.split('/').map(encodeURIComponent).join('/');
}

async function filesBelow(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await filesBelow(dir, child)));
    else if (entry.isFile()) out.push(child);
  }
  return out.sort();
}

async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Reads a local file for upload; a missing one is the caller's mistake, said plainly. */
async function readLocal(localFile: string): Promise<Buffer> {
  try {
    return await readFile(localFile);
  } catch (error) {
    throw new TrackingError(
      ERROR_CODES.trackingInvalidArgument,
      `cannot read ${localFile}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

export class ProxyArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  private readonly client: MlflowHttpClient;
  /** The root's path on the server, e.g. `1/abc/artifacts`. */
  private readonly rootPath: string;

  constructor(client: MlflowHttpClient, rootUri: string) {
    this.client = client;
    this.rootUri = rootUri;
    this.rootPath = proxyPathOfUri(rootUri, client.baseUrl);
  }

  async logFile(localFile: string, artifactPath?: string): Promise<void> {
    const body = await readLocal(localFile);
    const target = joinPath(
      this.rootPath,
      normalizeArtifactPath(artifactPath),
      path.basename(localFile),
    );
    await this.client.put(`${PROXY}/${encodePath(target)}`, body);
  }

  async logDir(localDir: string, artifactPath?: string): Promise<void> {
    const base = normalizeArtifactPath(artifactPath);
    let files: string[];
    try {
      files = await filesBelow(localDir);
    } catch (error) {
      throw new TrackingError(
        ERROR_CODES.trackingInvalidArgument,
        `cannot read folder ${localDir}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    await runLimited(
      files.map((rel) => async () => {
        const body = await readLocal(path.join(localDir, ...rel.split('/')));
        await this.client.put(`${PROXY}/${encodePath(joinPath(this.rootPath, base, rel))}`, body);
      }),
      UPLOAD_CONCURRENCY,
    );
  }

  async list(artifactPath?: string): Promise<ArtifactInfo[]> {
    const rel = normalizeArtifactPath(artifactPath);
    const answer = await this.client.callJson<{ files?: ListedFile[] }>('GET', PROXY, {
      query: { path: joinPath(this.rootPath, rel) },
    });
    return (answer.files ?? [])
      .filter((file): file is ListedFile & { path: string } => typeof file.path === 'string')
      .map((file) => ({
        path: joinPath(rel, path.posix.basename(file.path)),
        isDir: file.is_dir === true,
        fileSize:
          file.is_dir === true || file.file_size === undefined ? undefined : Number(file.file_size),
      }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  private async downloadFile(rel: string, destFile: string): Promise<void> {
    await this.client.download(`${PROXY}/${encodePath(joinPath(this.rootPath, rel))}`, destFile);
  }

  private async downloadDir(rel: string, destDir: string): Promise<void> {
    const tasks: (() => Promise<void>)[] = [];
    const walk = async (dirRel: string): Promise<void> => {
      for (const entry of await this.list(dirRel)) {
        const sub = rel === '' ? entry.path : entry.path.slice(rel.length + 1);
        if (entry.isDir) await walk(entry.path);
        else tasks.push(() => this.downloadFile(entry.path, path.join(destDir, ...sub.split('/'))));
      }
    };
    await walk(rel);
    await runLimited(tasks, UPLOAD_CONCURRENCY);
  }

  async download(artifactPath: string | undefined, destDir: string): Promise<string> {
    const rel = normalizeArtifactPath(artifactPath);
    const name = rel === '' ? 'artifacts' : path.posix.basename(rel);
    const target = path.join(destDir, name);
    // A folder lists its children; a file (or nothing) lists as empty.
    if (rel === '' || (await this.list(rel)).length > 0) {
      await this.downloadDir(rel, target);
      return target;
    }
    try {
      await this.downloadFile(rel, target);
    } catch (error) {
      if (error instanceof TrackingError && error.code === ERROR_CODES.trackingNotFound) {
        throw new TrackingError(
          ERROR_CODES.trackingNotFound,
          `no artifact ${rel} under ${this.rootUri}`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    return target;
  }
}
