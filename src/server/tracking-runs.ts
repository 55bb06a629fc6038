// The model page's runs from MLflow-compatible tracking (the local file store or a server),
// opened lazily on each look so a store created after the server started is found.
import { existsSync } from 'node:fs';
import { openTrackingStore, parseTrackingUri } from '../ml/tracking/index.js';
import { trackingRuns, type RunsSource } from './runs-info.js';

/** Runs read from `trackingUri` (`./mlruns`, `file:///…`, `http(s)://…`). */
export function trackingRunsSource(trackingUri: string, env: NodeJS.ProcessEnv): RunsSource {
  const target = parseTrackingUri(trackingUri);
  return {
    trackingUri,
    async listRuns() {
      if (target.kind === 'file' && !existsSync(target.root)) {
        return {
          runs: [],
          message: `no tracking store at ${target.root} yet (run: pitwall train)`,
        };
      }
      const { store, client } = await openTrackingStore(target, env);
      try {
        return await trackingRuns(trackingUri, store).listRuns();
      } finally {
        client?.close();
      }
    },
  };
}
