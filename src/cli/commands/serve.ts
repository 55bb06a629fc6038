// `pitwall serve`: the live web cockpit (HTTP + WebSocket) until SIGINT/SIGTERM.
import path from 'node:path';
import type { Command } from 'commander';
import type { FleetSettings } from '../../server/hub.js';
import { writeLine, type CliContext } from '../context.js';
import { invalidOption, parseIntegerOption, parseNumberOption } from '../options.js';

const EXAMPLES = `
Examples:
  pitwall serve                                  # http://127.0.0.1:8080 (PITWALL_HOST/PITWALL_PORT)
  pitwall serve --port 0                         # any free port; the URL is printed
  pitwall serve --model runs:/<run-id>/model --fleet-vehicles 24 --fleet-speed 5
  PITWALL_TOKEN=... pitwall serve --host 0.0.0.0 # off loopback only with a token`;

const LIMITS = {
  port: { min: 0, max: 65_535 },
  fleetVehicles: { min: 1, max: 200 },
  fleetSpeed: { min: 0.1, max: 100 },
  fleetSessionS: { min: 20, max: 86_400 },
} as const;

interface RawServeOptions {
  host?: string;
  port?: string;
  lake?: string;
  model?: string;
  trackingUri?: string;
  fleetVehicles?: string;
  fleetSpeed?: string;
  fleetSession?: string;
  quiet?: boolean;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

/** Registers `serve` on `program`. */
export function registerServe(program: Command, context: CliContext): void {
  const command = program
    .command('serve')
    .description('serve the live web cockpit: drive a car, watch the AI coach, the fleet, the lake')
    .option('--host <addr>', 'address to bind (default: PITWALL_HOST, else 127.0.0.1)')
    .option('--port <n>', 'port, 0 for any free one (default: PITWALL_PORT, else 8080)')
    .option(
      '--lake <dir>',
      'lake root for the lake page (default: PITWALL_LAKE, else .pitwall/lake)',
    )
    .option('--model <uri>', 'driving-style model (default: models:/driving-style@production)')
    .option(
      '--tracking-uri <uri>',
      'MLflow tracking store or server (default: MLFLOW_TRACKING_URI)',
    )
    .option('--fleet-vehicles <n>', 'vehicles on the fleet page, 1-200 (default: 12)')
    .option('--fleet-speed <x>', 'fleet simulation pace, 0.1-100 times real time (default: 1)')
    .option(
      '--fleet-session <s>',
      'seconds before a fleet vehicle changes driver, 20-86400 (default: 120)',
    )
    .option('--quiet', 'print only the URL')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      await serve(command.opts<RawServeOptions>(), context);
    });
}

async function serve(raw: RawServeOptions, context: CliContext): Promise<void> {
  const { io } = context;
  const { loadSettings } = await import('../../config/index.js');
  const loaded = loadSettings({ env: io.env });
  const { settings } = loaded;
  const host = raw.host ?? settings.server.host;
  if (host.trim() === '' || /\s/.test(host)) throw invalidOption('--host', 'an address', host);
  const port =
    raw.port === undefined
      ? settings.server.port
      : parseIntegerOption('--port', raw.port, LIMITS.port);
  const lakeRoot = raw.lake ?? settings.lake.root;
  if (lakeRoot.trim() === '') throw invalidOption('--lake', 'a folder path', lakeRoot);
  const modelUri = raw.model ?? 'models:/driving-style@production';
  if (modelUri.trim() === '') throw invalidOption('--model', 'a model URI', modelUri);
  const trackingUri = raw.trackingUri ?? settings.mlflow.trackingUri;
  const fleet = {
    ...(raw.fleetVehicles === undefined
      ? {}
      : {
          vehicles: parseIntegerOption('--fleet-vehicles', raw.fleetVehicles, LIMITS.fleetVehicles),
        }),
    ...(raw.fleetSpeed === undefined
      ? {}
      : { speed: parseNumberOption('--fleet-speed', raw.fleetSpeed, LIMITS.fleetSpeed) }),
    ...(raw.fleetSession === undefined
      ? {}
      : {
          sessionSeconds: parseIntegerOption(
            '--fleet-session',
            raw.fleetSession,
            LIMITS.fleetSessionS,
          ),
        }),
  };
  await serveCockpitUntilStopped(context, {
    host,
    port,
    token: settings.server.token,
    lakeRoot,
    modelUri,
    trackingUri,
    fleet,
    env: loaded.env,
    cacheDir: path.join(settings.home, 'cache', 'models'),
    quiet: raw.quiet === true,
  });
}

/** What `serveCockpitUntilStopped` serves (options already checked by the caller). */
export interface CockpitServeSettings {
  readonly host: string;
  readonly port: number;
  readonly token?: string | undefined;
  readonly lakeRoot: string;
  readonly trackingUri: string;
  readonly modelUri: string;
  readonly fleet?: Partial<FleetSettings>;
  /** Variables for the tracking client (MLflow credentials); default the context's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where models from a tracking server are cached; default the registry's. */
  readonly cacheDir?: string;
  /** Only the URL line. */
  readonly quiet?: boolean;
  /** Where the URL line goes (default stdout, for scripts). */
  readonly urlStream?: 'stdout' | 'stderr';
}

/**
 * Serves the cockpit until SIGINT or SIGTERM, then closes it gracefully: `pitwall serve`
 * and `pitwall demo` end this way. Prints the URL, then (unless quiet) the model's state
 * and its changes on stderr.
 */
export async function serveCockpitUntilStopped(
  context: CliContext,
  options: CockpitServeSettings,
): Promise<void> {
  const { io } = context;
  const { host, port, lakeRoot, modelUri, trackingUri } = options;
  const quiet = options.quiet === true;
  // Listening for the stop signals first: Ctrl-C during start-up still closes cleanly.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
      resolve(signal);
    };
  });
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const env = { ...(options.env ?? io.env), MLFLOW_TRACKING_URI: trackingUri } as NodeJS.ProcessEnv;
  try {
    const [{ startCockpitServer }, { trackingRunsSource }, { inferenceModelSource }] =
      await Promise.all([
        import('../../server/index.js'),
        import('../../server/tracking-runs.js'),
        import('../../server/inference-source.js'),
      ]);
    const server = await startCockpitServer({
      host,
      port,
      ...(options.token === undefined ? {} : { token: options.token }),
      lakeRoot,
      modelUri,
      trackingUri,
      models: inferenceModelSource({
        trackingUri,
        env,
        ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      }),
      runs: trackingRunsSource(trackingUri, env),
      ...(options.fleet === undefined ? {} : { fleet: options.fleet }),
      onError: (error) =>
        writeLine(
          io.stderr,
          `serve: request failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
    try {
      writeLine(options.urlStream === 'stderr' ? io.stderr : io.stdout, server.url);
      if (!quiet) {
        writeLine(
          io.stderr,
          `serve: cockpit at ${server.url} (lake ${lakeRoot}, model ${modelUri}, tracking ${trackingUri})` +
            `${options.token === undefined ? '' : '; control needs PITWALL_TOKEN'}; Ctrl-C stops`,
        );
        const first = await Promise.race([server.models.reload(), stopped]);
        if (typeof first !== 'string') {
          writeLine(io.stderr, `serve: model ${first.state}${describeModel(first)}`);
          server.models.onChange((_model, status) =>
            writeLine(io.stderr, `serve: model ${status.state}${describeModel(status)}`),
          );
        }
      }
      const signal = await stopped;
      if (!quiet) writeLine(io.stderr, `serve: stopping (${signal})`);
    } finally {
      await server.close();
    }
    if (!quiet) writeLine(io.stderr, 'serve: stopped');
  } finally {
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
  }
}

function describeModel(status: { version?: string; message?: string }): string {
  if (status.version !== undefined) return ` (version ${status.version})`;
  return status.message === undefined ? '' : `: ${status.message}`;
}
