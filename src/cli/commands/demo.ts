// `pitwall demo` (what `npm start` runs): the whole lifecycle on embedded defaults — a mixed
// fleet simulated faster than real time into the embedded log, bronze, silver with the
// data-quality gate and data docs, gold, a dataset, the forest trained and registered as
// `production` — then the cockpit on the new model. A second run reuses what exists.
import path from 'node:path';
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatTable, formatWallTime } from '../format.js';
import { parseDurationOption, parseIntegerOption } from '../options.js';

export const DEMO_DEFAULTS = {
  vehicles: '20',
  duration: '20m',
  session: '10m',
  seed: '42',
  hz: '10',
  trees: '300',
} as const satisfies Record<string, string>;

interface RawDemoOptions {
  vehicles?: string;
  duration?: string;
  session?: string;
  seed?: string;
  hz?: string;
  trees?: string;
  fresh?: boolean;
  serve?: boolean;
  host?: string;
  port?: string;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  pitwall demo                         # 20 vehicles x 2 sessions, train, then the cockpit
  pitwall demo --no-serve              # stop after the batch part (scripts, CI)
  pitwall demo --fresh --vehicles 40   # start over with a bigger fleet`;

/** Registers `demo` on `program`. */
export function registerDemo(program: Command, context: CliContext): void {
  const command = program
    .command('demo')
    .description('run the whole lifecycle on embedded defaults, then open the cockpit (npm start)')
    .option('--vehicles <n>', `vehicles in the fleet, 1-1000 (default: ${DEMO_DEFAULTS.vehicles})`)
    .option('--duration <d>', `simulated time per vehicle (default: ${DEMO_DEFAULTS.duration})`)
    .option('--session <d>', `length of one session (default: ${DEMO_DEFAULTS.session})`)
    .option('--seed <n>', `random seed of the fleet and the split (default: ${DEMO_DEFAULTS.seed})`)
    .option('--hz <n>', `telemetry rate, 10-50 (default: ${DEMO_DEFAULTS.hz})`)
    .option('--trees <n>', `trees of the forest (default: ${DEMO_DEFAULTS.trees})`)
    .option('--fresh', 'remove the demo log, lake and dataset first and start over')
    .option('--no-serve', 'stop after the batch part and exit 0')
    .option('--host <host>', 'cockpit address (default: PITWALL_HOST or 127.0.0.1)')
    .option('--port <n>', 'cockpit port, 0 for any free port (default: PITWALL_PORT or 8080)')
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      await demo(command.opts<RawDemoOptions>(), context);
    });
}

async function demo(raw: RawDemoOptions, context: CliContext): Promise<void> {
  const { io } = context;
  const d = DEMO_DEFAULTS;
  const vehicles = parseIntegerOption('--vehicles', raw.vehicles ?? d.vehicles, {
    min: 1,
    max: 1000,
  });
  const durationS = parseDurationOption('--duration', raw.duration ?? d.duration, 60);
  const sessionDurationS = parseDurationOption('--session', raw.session ?? d.session, 30);
  const seed = parseIntegerOption('--seed', raw.seed ?? d.seed, { min: 0, max: 2 ** 31 - 1 });
  const hz = parseIntegerOption('--hz', raw.hz ?? d.hz, { min: 10, max: 50 });
  const trees = parseIntegerOption('--trees', raw.trees ?? d.trees, { min: 1, max: 10_000 });
  const port =
    raw.port === undefined
      ? undefined
      : parseIntegerOption('--port', raw.port, { min: 0, max: 65_535 });
  const { loadSettings } = await import('../../config/index.js');
  const { settings, env } = loadSettings({ env: io.env });
  const home = settings.home;
  const paths = {
    home,
    logDir: settings.log.dir,
    lakeRoot: settings.lake.root,
    datasetDir: path.join(home, 'datasets', 'driving-style'),
    trackingUri: settings.mlflow.trackingUri,
  };
  const { runDemo } = await import('../../demo/lifecycle.js');
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result;
  try {
    writeLine(
      io.stderr,
      `Pitwall demo: ${vehicles} vehicles, ${Math.round(durationS / 60)} min each in ${Math.round(sessionDurationS / 60)}-min sessions, seed ${seed}; state in ${home}`,
    );
    result = await runDemo({
      config: { vehicles, durationS, sessionDurationS, seed, hz },
      paths,
      fresh: raw.fresh === true,
      trees,
      env,
      signal: controller.signal,
      onProgress: (stage, message) => writeLine(io.stderr, `${stage}: ${message}`),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  if (raw.json === true) {
    writeLine(io.stdout, JSON.stringify(result, null, 2));
  } else {
    writeLine(
      io.stdout,
      formatTable(result.stages, [
        { header: 'stage', value: (s) => s.stage },
        { header: 'time', value: (s) => formatWallTime(s.seconds), align: 'right' },
        { header: 'what', value: (s) => `${s.reused ? '(reused) ' : ''}${s.summary}` },
      ]),
    );
    writeLine(io.stdout);
    writeLine(
      io.stdout,
      formatTable(result.tables, [
        { header: 'table', value: (t) => t.table },
        { header: 'version', value: (t) => formatCount(t.version), align: 'right' },
        { header: 'rows', value: (t) => formatCount(t.rows), align: 'right' },
      ]),
    );
    writeLine(io.stdout);
    const e = result.expectations;
    const lines = [
      `batch part done in ${formatWallTime(result.seconds)}: ${formatCount(result.events)} events of ${formatCount(result.sessions)} sessions`,
      `quarantined ${formatCount(result.quarantined)}, duplicates ${formatCount(result.duplicates)}${e === undefined ? '' : `, expectations ${e.passed}/${e.passed + e.failed} passed`}`,
      `model ${result.model.uri} (version ${result.model.version}): accuracy ${(result.model.accuracy * 100).toFixed(1)} %, macro F1 ${(result.model.macroF1 * 100).toFixed(1)} % on unseen sessions`,
      `lake ${paths.lakeRoot}; runs ${paths.trackingUri} (view: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${paths.trackingUri})`,
      ...(result.dataDocs === undefined ? [] : [`data docs ${result.dataDocs}`]),
    ];
    for (const line of lines) writeLine(io.stdout, line);
  }
  if (raw.serve === false) return;
  const { serveCockpitUntilStopped } = await import('./serve.js');
  await serveCockpitUntilStopped(context, {
    host: raw.host ?? settings.server.host,
    port: port ?? settings.server.port,
    token: settings.server.token,
    lakeRoot: paths.lakeRoot,
    trackingUri: paths.trackingUri,
    modelUri: result.model.uri,
    // With --json, stdout holds one JSON document; the URL goes to stderr then.
    ...(raw.json === true ? { urlStream: 'stderr' as const } : {}),
  });
}
