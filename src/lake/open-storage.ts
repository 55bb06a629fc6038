// Picks the LakeStorage for a table location.
import { LocalStorage } from './local-storage.js';
import { parseLocation } from './location.js';
import type { LakeStorage } from './storage.js';

/** A LakeStorage for a URI or path, or the given storage itself. */
export function openStorage(location: string | LakeStorage): LakeStorage {
  if (typeof location !== 'string') return location;
  const parsed = parseLocation(location);
  return new LocalStorage(parsed.path);
}
