// Opening the registry that lives with a tracking URI: the file store's `models/` folder
// beside the runs, or the server's registry API.
import { ERROR_CODES, TrackingError } from '../../errors.js';
import { FileTrackingStore } from '../tracking/file/file-store.js';
import { MlflowHttpClient } from '../tracking/rest/http-client.js';
import { RestTrackingStore } from '../tracking/rest/rest-store.js';
import { restSettingsFromEnv } from '../tracking/settings.js';
import { trackingTargetOf, type OpenTrackingOptions } from '../tracking/tracking.js';
import type { TrackingStore } from '../tracking/types.js';
import { FileModelRegistry } from './file-registry.js';
import { RestModelRegistry } from './rest-registry.js';
import type { ModelRegistry } from './types.js';

/** The registry beside an open tracking store (sharing its HTTP client; closing it is the caller's). */
export async function registryFor(
  store: TrackingStore,
  client: MlflowHttpClient | undefined,
): Promise<ModelRegistry> {
  if (store instanceof FileTrackingStore) return FileModelRegistry.open(store.root);
  if (store instanceof RestTrackingStore) return new RestModelRegistry(client ?? store.client);
  throw new TrackingError(ERROR_CODES.tracking, `no registry for a ${store.kind} tracking store`);
}

/**
 * Opens the model registry of a tracking URI (default MLFLOW_TRACKING_URI, then ./mlruns).
 * Call `close()` when done.
 *
 * @example
 * const registry = await openRegistry({ trackingUri: './mlruns' });
 * try {
 *   const version = await registry.createModelVersion({ name: 'driving-style', source, runId });
 *   await registry.setAlias('driving-style', 'production', version.version);
 * } finally {
 *   registry.close();
 * }
 */
export async function openRegistry(options: OpenTrackingOptions = {}): Promise<ModelRegistry> {
  const target = trackingTargetOf(options);
  if (target.kind === 'file') return FileModelRegistry.open(target.root);
  const client = new MlflowHttpClient(
    restSettingsFromEnv(target.baseUrl, options.env ?? process.env),
  );
  return new RestModelRegistry(client, { ownsClient: true });
}
