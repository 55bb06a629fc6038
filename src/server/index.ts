// The cockpit server: HTTP + WebSocket app, live session, fleet monitor, access rules.
export {
  createCockpitApp,
  DEFAULT_MODEL_URI,
  DEFAULT_STATE_HZ,
  DEFAULT_WEB_ROOT,
  type CockpitApp,
  type CockpitAppOptions,
} from './app.js';
export { startCockpitServer, type RunningServer, type ServeOptions } from './serve.js';
export { CockpitHub, FLEET_DEFAULTS, type FleetSettings, type HubClient } from './hub.js';
export { CockpitSession, COCKPIT_SAMPLE_HZ, carInfo } from './cockpit-session.js';
export { FleetMonitor, SPARKLINE_POINTS } from './fleet-monitor.js';
export { ModelHolder } from './model-holder.js';
export { LakeInfo, DATA_DOCS_URL } from './lake-info.js';
export { trackingRuns, parseImportances, type RunsSource, type RunsStore } from './runs-info.js';
export { parseClientMessage, BODY_SCHEMAS, MESSAGE_SCHEMAS } from './schemas.js';
export type * from './protocol.js';
export type * from './style-model.js';
