// Table locations: a `file://` URI or a plain local path, normalised to an absolute path.
// Cloud object stores (s3://, abfss://, gs://) come later behind the same LakeStorage interface.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LakeUnsupportedError } from '../errors.js';

export interface LocalLocation {
  readonly kind: 'local';
  /** Absolute path of the table root on this machine. */
  readonly path: string;
  /** The same root as a `file://` URI. */
  readonly uri: string;
}

export type TableLocation = LocalLocation;

// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), followed by ':'.
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Parses a table location. Accepts `file:///abs/path` and plain paths (relative ones are
 * resolved against the working directory); any other scheme is rejected.
 *
 * @example
 * parseLocation('file:///data/lake/bronze').path; // '/data/lake/bronze'
 * parseLocation('lake/bronze').uri;               // 'file:///<cwd>/lake/bronze'
 */
export function parseLocation(location: string): TableLocation {
  if (location.trim() === '') {
    throw new LakeUnsupportedError('table location is empty');
  }
  const scheme = SCHEME.exec(location)?.[1];
  // A one-letter "scheme" is a Windows drive letter (C:\lake), not a URI.
  const isDrive = scheme !== undefined && scheme.length === 1 && process.platform === 'win32';
  let absolute: string;
  if (scheme === undefined || isDrive) {
    absolute = path.resolve(location);
  } else if (scheme.toLowerCase() === 'file') {
    try {
      absolute = fileURLToPath(location);
    } catch (cause) {
      throw new LakeUnsupportedError(
        `table location ${location} is not a valid file URI (use file:///absolute/path)`,
        { cause },
      );
    }
  } else {
    throw new LakeUnsupportedError(
      `table location ${location} uses the unsupported scheme '${scheme}:'; only file:// URIs and local paths are supported for now`,
    );
  }
  const normalised = path.resolve(absolute);
  return { kind: 'local', path: normalised, uri: pathToFileURL(normalised).href };
}
