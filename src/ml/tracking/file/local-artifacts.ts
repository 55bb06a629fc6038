// Artifacts in a local folder named by a `file:` URI (or a plain path): the file store's
// run artifacts, and a server's when its artifact root is a folder this machine can reach.
import { copyFile, cp, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_CODES, TrackingError } from '../../../errors.js';
import type { ArtifactInfo, ArtifactRepository } from '../types.js';
import { normalizeArtifactPath } from '../validation.js';
import { errnoCode, storeError } from './store-files.js';

/** `file:///a/b` or `/a/b` → `/a/b`. */
export function localPathOfUri(uri: string): string {
  if (uri.startsWith('file:')) {
    // `file:/a` and `file:///a` are both absolute; Node's parser wants the long form.
    const normalized = uri.replace(/^file:(?!\/\/)/, 'file://');
    try {
      return fileURLToPath(normalized);
    } catch (error) {
      throw new TrackingError(ERROR_CODES.trackingInvalidArgument, `invalid file URI ${uri}`, {
        cause: error,
      });
    }
  }
  return path.resolve(uri);
}

/** An absolute local path → its `file:///…` URI (percent-encoded as MLflow's `as_uri()`). */
export function fileUriOfPath(localPath: string): string {
  return pathToFileURL(path.resolve(localPath)).href;
}

export class LocalArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly rootDir: string;

  constructor(rootUri: string) {
    this.rootUri = rootUri;
    this.rootDir = localPathOfUri(rootUri);
  }

  private resolve(artifactPath: string | undefined): string {
    const rel = normalizeArtifactPath(artifactPath);
    return rel === '' ? this.rootDir : path.join(this.rootDir, ...rel.split('/'));
  }

  async logFile(localFile: string, artifactPath?: string): Promise<void> {
    const destDir = this.resolve(artifactPath);
    try {
      await mkdir(destDir, { recursive: true });
      await copyFile(localFile, path.join(destDir, path.basename(localFile)));
    } catch (error) {
      throw artifactIoError(`cannot copy ${localFile} to ${destDir}`, error);
    }
  }

  async logDir(localDir: string, artifactPath?: string): Promise<void> {
    const destDir = this.resolve(artifactPath);
    try {
      const info = await stat(localDir);
      if (!info.isDirectory()) {
        throw new TrackingError(ERROR_CODES.trackingInvalidArgument, `${localDir} is not a folder`);
      }
      await mkdir(destDir, { recursive: true });
      await cp(localDir, destDir, { recursive: true, force: true });
    } catch (error) {
      if (error instanceof TrackingError) throw error;
      throw artifactIoError(`cannot copy ${localDir} to ${destDir}`, error);
    }
  }

  async list(artifactPath?: string): Promise<ArtifactInfo[]> {
    const rel = normalizeArtifactPath(artifactPath);
    const dir = this.resolve(rel);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return [];
      throw storeError(`cannot list ${dir}`, error);
    }
    const out: ArtifactInfo[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const childPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        out.push({ path: childPath, isDir: true, fileSize: undefined });
      } else if (entry.isFile()) {
        const size = (await stat(path.join(dir, entry.name))).size;
        out.push({ path: childPath, isDir: false, fileSize: size });
      }
    }
    return out;
  }

  async download(artifactPath: string | undefined, destDir: string): Promise<string> {
    const rel = normalizeArtifactPath(artifactPath);
    const source = this.resolve(rel);
    const target = path.join(
      destDir,
      rel === '' ? path.basename(this.rootDir) : path.basename(source),
    );
    try {
      await stat(source);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') {
        throw new TrackingError(
          ERROR_CODES.trackingNotFound,
          `no artifact ${rel === '' ? '(root)' : rel} under ${this.rootUri}`,
        );
      }
      throw storeError(`cannot read ${source}`, error);
    }
    try {
      await mkdir(destDir, { recursive: true });
      await cp(source, target, { recursive: true, force: true });
    } catch (error) {
      throw artifactIoError(`cannot copy ${source} to ${target}`, error);
    }
    return target;
  }
}

function artifactIoError(what: string, error: unknown): TrackingError {
  if (errnoCode(error) === 'ENOENT') {
    return new TrackingError(ERROR_CODES.trackingNotFound, `${what}: no such file or folder`, {
      cause: error,
    });
  }
  return storeError(what, error);
}
