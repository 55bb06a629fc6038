// `engineInfo` for commitInfo actions: "pitwall/<package version>".
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';

let cached: string | undefined;

export function engineInfo(): string {
  if (cached === undefined) {
    let version = '0.0.0';
    try {
      const manifest = JSON.parse(
        readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'),
      ) as {
        version?: unknown;
      };
      if (typeof manifest.version === 'string') version = manifest.version;
    } catch {
      // An unreadable manifest only makes commitInfo less precise.
    }
    cached = `pitwall/${version}`;
  }
  return cached;
}
