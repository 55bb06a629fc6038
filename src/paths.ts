// Locations of the data files shipped with the package (profiles, schemas, scenarios).
// Both `src/` (run through tsx) and `dist/` (compiled) sit one level below the root.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CAR_PROFILES_DIR = path.join(PACKAGE_ROOT, 'profiles', 'cars');
export const SCHEMAS_DIR = path.join(PACKAGE_ROOT, 'schemas');
export const SCENARIOS_DIR = path.join(PACKAGE_ROOT, 'scenarios');
