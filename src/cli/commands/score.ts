// `pitwall score`: the fleet scoring service. Consumes the telemetry topic as a consumer
// group, keeps a sliding window per vehicle session, and writes one driving-style
// prediction per vehicle and second to a predictions topic, with Prometheus metrics; the
// model comes from the registry (or a file) and is swapped when its alias moves.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { IoError, UsageError } from '../../errors.js';
import { describeConnection, LOG_SOURCES, type LogConnection } from '../../log/connect.js';
import { writeLine, type CliContext, type CliIo } from '../context.js';
import { formatCount, formatWallTime } from '../format.js';
import { LOG_OPTION_DEFAULTS, parseLogConnection, parseTopicOption } from '../log-options.js';
import {
  collect,
  invalidOption,
  parseChoiceOption,
  parseDurationOption,
  parseIntegerOption,
  type Range,
} from '../options.js';

export const SCORE_DEFAULTS = {
  source: 'local',
  topic: LOG_OPTION_DEFAULTS.topic,
  predictionsTopic: 'predictions',
  group: 'pitwall-score',
  model: 'models:/driving-style@production',
  modelPoll: '30s',
  allowedLateness: '1',
  warmupSeconds: '10',
  idleSession: '60s',
  metricsHost: '127.0.0.1',
  sessionTimeoutMs: '10000',
} as const satisfies Record<string, string>;

export const SCORE_LIMITS = {
  allowedLateness: { min: 0, max: 60 },
  warmupSeconds: { min: 1, max: 10 },
  metricsPort: { min: 0, max: 65_535 },
  sessionTimeoutMs: { min: 100, max: 3_600_000 },
} as const satisfies Record<string, Range>;

const GROUP_ID = /^[A-Za-z0-9._-]{1,249}$/;
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;
/** Progress lines go out this often, ms. */
const REPORT_INTERVAL_MS = 10_000;
/** Skipped messages printed one by one before only the counts are reported. */
const INVALID_LINES = 5;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

const EXAMPLES = `
Examples:
  pitwall score --available-now                       # score what the embedded log holds, then exit
  pitwall score --model-file style.pwrf --metrics-port 9465
  pitwall score --source kafka --brokers localhost:9092 --model models:/driving-style@production
  pitwall score --with-features --predictions-topic predictions-debug`;

/** Option values as commander hands them over. */
export interface RawScoreOptions {
  readonly source?: string;
  readonly logDir?: string;
  readonly brokers?: string;
  readonly topic?: readonly string[];
  readonly predictionsTopic?: string;
  readonly group?: string;
  readonly model?: string;
  readonly modelFile?: string;
  readonly trackingUri?: string;
  readonly modelPoll?: string;
  readonly availableNow?: boolean;
  readonly allowedLateness?: string;
  readonly warmupSeconds?: string;
  readonly withFeatures?: boolean;
  readonly idleSession?: string;
  readonly metricsPort?: string;
  readonly metricsHost?: string;
  readonly metricsFile?: string;
  readonly sessionTimeoutMs?: string;
  readonly quiet?: boolean;
}

export type ModelChoice =
  | { readonly kind: 'uri'; readonly uri: string; readonly trackingUri: string | undefined }
  | { readonly kind: 'file'; readonly file: string };

export interface ScoreSettings {
  readonly connection: LogConnection;
  readonly topics: readonly string[];
  readonly predictionsTopic: string;
  readonly group: string;
  readonly model: ModelChoice;
  /** Poll period of the model source, ms; undefined: never (available-now, or 0). */
  readonly modelPollMs: number | undefined;
  readonly availableNow: boolean;
  readonly allowedLatenessS: number;
  readonly warmupSeconds: number;
  readonly withFeatures: boolean;
  readonly idleSessionMs: number;
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  readonly metricsFile: string | undefined;
  readonly sessionTimeoutMs: number;
  readonly quiet: boolean;
}

function nonEmpty(option: string, text: string, what: string): string {
  if (text.trim() === '') throw invalidOption(option, what, text);
  return text;
}

/** Validates every option; a UsageError names the first bad one. */
export function parseScoreOptions(
  raw: RawScoreOptions,
  env: Readonly<Record<string, string | undefined>>,
): ScoreSettings {
  const d = SCORE_DEFAULTS;
  const L = SCORE_LIMITS;
  const source = parseChoiceOption('--source', raw.source ?? d.source, LOG_SOURCES);
  const connection = parseLogConnection(source, raw, '--source', env);
  const topics = [...new Set((raw.topic ?? [d.topic]).map((t) => parseTopicOption('--topic', t)))];
  const predictionsTopic = parseTopicOption(
    '--predictions-topic',
    raw.predictionsTopic ?? d.predictionsTopic,
  );
  if (topics.includes(predictionsTopic))
    throw new UsageError(`--predictions-topic ${predictionsTopic} is also an input --topic`);
  const group = raw.group ?? d.group;
  if (!GROUP_ID.test(group))
    throw invalidOption('--group', 'letters, digits, ".", "_" or "-" (at most 249)', group);
  if (raw.model !== undefined && raw.modelFile !== undefined)
    throw new UsageError('give --model or --model-file, not both');
  if (raw.modelFile !== undefined && raw.trackingUri !== undefined)
    throw new UsageError('--tracking-uri needs --model (a registry or run URI)');
  const model: ModelChoice =
    raw.modelFile !== undefined
      ? { kind: 'file', file: nonEmpty('--model-file', raw.modelFile, 'a file path') }
      : {
          kind: 'uri',
          uri: nonEmpty('--model', raw.model ?? d.model, 'a model URI'),
          trackingUri:
            raw.trackingUri === undefined
              ? undefined
              : nonEmpty('--tracking-uri', raw.trackingUri, 'a folder or http(s) URL'),
        };
  const pollText = raw.modelPoll ?? d.modelPoll;
  const pollS = pollText.trim() === '0' ? 0 : parseDurationOption('--model-poll', pollText, 1);
  const availableNow = raw.availableNow === true;
  const metricsPort =
    raw.metricsPort === undefined
      ? undefined
      : parseIntegerOption('--metrics-port', raw.metricsPort, L.metricsPort);
  const metricsHost = raw.metricsHost ?? d.metricsHost;
  if (!HOST.test(metricsHost))
    throw invalidOption('--metrics-host', 'a host name or IP address', metricsHost);
  if (raw.metricsHost !== undefined && metricsPort === undefined)
    throw new UsageError('--metrics-host needs --metrics-port');
  return {
    connection,
    topics,
    predictionsTopic,
    group,
    model,
    modelPollMs: availableNow || pollS === 0 ? undefined : pollS * 1000,
    availableNow,
    allowedLatenessS: parseIntegerOption(
      '--allowed-lateness',
      raw.allowedLateness ?? d.allowedLateness,
      L.allowedLateness,
    ),
    warmupSeconds: parseIntegerOption(
      '--warmup-seconds',
      raw.warmupSeconds ?? d.warmupSeconds,
      L.warmupSeconds,
    ),
    withFeatures: raw.withFeatures === true,
    idleSessionMs:
      parseDurationOption('--idle-session', raw.idleSession ?? d.idleSession, 1) * 1000,
    metricsPort,
    metricsHost,
    metricsFile:
      raw.metricsFile === undefined
        ? undefined
        : nonEmpty('--metrics-file', raw.metricsFile, 'a file path'),
    sessionTimeoutMs: parseIntegerOption(
      '--session-timeout-ms',
      raw.sessionTimeoutMs ?? d.sessionTimeoutMs,
      L.sessionTimeoutMs,
    ),
    quiet: raw.quiet === true,
  };
}

/** Registers `score` on `program`. */
export function registerScore(program: Command, context: CliContext): void {
  const d = SCORE_DEFAULTS;
  const command = program
    .command('score')
    .description('score live telemetry: one driving-style prediction per vehicle and second')
    .option('--source <kind>', `local (the embedded log) or kafka (default: ${d.source})`)
    .option(
      '--log-dir <dir>',
      `embedded log folder for --source local (default: ${LOG_OPTION_DEFAULTS.logDir})`,
    )
    .option(
      '--brokers <list>',
      'Kafka bootstrap brokers host:port,... for --source kafka (default: $PITWALL_KAFKA_BROKERS)',
    )
    .option(
      '--topic <name>',
      `telemetry topic to consume; repeatable (default: ${d.topic})`,
      collect,
    )
    .option(
      '--predictions-topic <name>',
      `topic the predictions go to, created if missing (default: ${d.predictionsTopic})`,
    )
    .option('--group <id>', `consumer group (default: ${d.group})`)
    .option(
      '--model <uri>',
      `model URI: models:/<name>@<alias>, models:/<name>/<version>, runs:/<id>/model or a model folder (default: ${d.model})`,
    )
    .option('--model-file <path>', 'a model file written by the forest (instead of --model)')
    .option(
      '--tracking-uri <uri>',
      'where --model is resolved: a folder (MLflow file store) or http(s)://host:port; default MLFLOW_TRACKING_URI, then ./mlruns',
    )
    .option(
      '--model-poll <duration>',
      `check the model source for a new version this often; 0: never (default: ${d.modelPoll})`,
    )
    .option('--available-now', 'score what the topics hold now, flush every window, and exit')
    .option(
      '--allowed-lateness <s>',
      `seconds a sample may arrive late and still count, 0-60 (default: ${d.allowedLateness})`,
    )
    .option(
      '--warmup-seconds <n>',
      `seconds of data a window needs before the first prediction, 1-10 (default: ${d.warmupSeconds})`,
    )
    .option('--with-features', "put each window's 50 features into its prediction message")
    .option(
      '--idle-session <duration>',
      `forget a session after this long without a message (default: ${d.idleSession})`,
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics at http://<host>:<port>/metrics (0: any free port)',
    )
    .option(
      '--metrics-host <addr>',
      `address the metrics endpoint binds (default: ${d.metricsHost})`,
    )
    .option('--metrics-file <file>', 'also write Prometheus metrics to this file every few seconds')
    .option(
      '--session-timeout-ms <ms>',
      `a crashed member keeps its partitions this long (default: ${d.sessionTimeoutMs})`,
    )
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const settings = parseScoreOptions(command.opts<RawScoreOptions>(), context.io.env);
      await score(settings, context);
    });
}

async function score(settings: ScoreSettings, context: CliContext): Promise<void> {
  const { io } = context;
  const { connection } = settings;
  if (connection.source === 'local') {
    const { LOG_FILE_NAME } = await import('../../log/index.js');
    if (!existsSync(path.join(connection.dir, LOG_FILE_NAME))) {
      throw new IoError(
        `no embedded log in ${connection.dir} (write one with: pitwall simulate --sink local)`,
      );
    }
  }
  const [{ openLogTransport }, inference, exporter, { FEATURES }] = await Promise.all([
    import('../../log/connect.js'),
    import('../../inference/index.js'),
    import('../../pipeline/metrics-export.js'),
    import('../../pipeline/gold/feature-spec.js'),
  ]);
  const say = (line: string): void => {
    if (!settings.quiet) writeLine(io.stderr, `score: ${line}`);
  };
  const metrics = new inference.ScoreMetrics();
  const slot = new inference.ModelSlot(FEATURES.map((f) => f.name));
  const model = settings.model;
  const resolve =
    model.kind === 'file'
      ? inference.fileModelResolver(model.file)
      : inference.registryModelResolver(model.uri, {
          ...(model.trackingUri === undefined ? {} : { trackingUri: model.trackingUri }),
          env: io.env,
        });
  let lastModelError = '';
  const watcher = new inference.ModelWatcher({
    resolve,
    slot,
    ...(settings.modelPollMs === undefined ? {} : { intervalMs: settings.modelPollMs }),
    // The scorer's metrics follow the slot; here the swap is only told.
    onSwap: (next, previous) => {
      if (previous !== undefined)
        say(`model ${previous.version} -> ${next.version} (swapped without a restart)`);
    },
    onError: (error) => {
      metrics.modelErrors.inc();
      const message = error instanceof Error ? error.message : String(error);
      // The same failure every poll is said once.
      if (message !== lastModelError)
        say(`model check failed, keeping ${slot.model?.version ?? 'none'}: ${message}`);
      lastModelError = message;
    },
  });
  const modelName = model.kind === 'file' ? model.file : model.uri;
  // The first load must work (its error is the command's); later polls only report.
  if (settings.modelPollMs === undefined) await watcher.check({ rethrow: true });
  else await watcher.start();
  const loaded = slot.model!;

  const cleanups: (() => Promise<void>)[] = [];
  const controller = new AbortController();
  let stopSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal = signal;
    controller.abort();
    // A second signal ends the process the default way.
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
  };
  try {
    const transport = await openLogTransport(connection);
    cleanups.push(() => transport.close());
    if (settings.metricsPort !== undefined) {
      const server = await exporter.serveMetrics(() => metrics.text(), {
        port: settings.metricsPort,
        host: settings.metricsHost,
      });
      cleanups.push(() => server.close());
      say(`metrics at http://${server.host}:${server.port}/metrics`);
    }
    say(
      `group ${settings.group}, topics ${settings.topics.join(',')} of ${describeConnection(connection)} -> ${settings.predictionsTopic}; ` +
        `model ${loaded.version} (${modelName})${settings.availableNow ? ' (available now)' : ''}`,
    );
    const reporter = new Reporter(io, settings.quiet, settings.metricsFile, () => metrics.text());
    let shownInvalid = 0;
    const scorer = new inference.FleetScorer({
      transport,
      topics: settings.topics,
      groupId: settings.group,
      predictionsTopic: settings.predictionsTopic,
      model: slot,
      availableNow: settings.availableNow,
      allowedLatenessS: settings.allowedLatenessS,
      warmupSeconds: settings.warmupSeconds,
      withFeatures: settings.withFeatures,
      idleSessionMs: settings.idleSessionMs,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      metrics,
      onProgress: (progress) => reporter.update(progress, metrics),
      onInvalid: (reason, field, where) => {
        if (shownInvalid++ < INVALID_LINES)
          say(`skipped ${where}: ${reason}${field === undefined ? '' : ` at ${field}`}`);
      },
    });
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    const startMs = Date.now();
    const summary = await scorer.run(controller.signal);
    await reporter.finish();
    const how =
      summary.reason === 'available-now'
        ? 'done (available now)'
        : `stopped by ${stopSignal ?? 'request'}`;
    const skipped = Object.entries(summary.invalidByReason)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${formatCount(n)} ${reason}`);
    say(
      `${how}: ${formatCount(summary.samples)} samples, ${formatCount(summary.predictions)} predictions ` +
        `in ${formatWallTime((Date.now() - startMs) / 1000)}` +
        `${skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : ''}` +
        `${summary.late + summary.duplicates > 0 ? `; dropped ${formatCount(summary.late)} late, ${formatCount(summary.duplicates)} duplicate samples` : ''}`,
    );
  } finally {
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    watcher.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** A progress line every REPORT_INTERVAL_MS; the metrics file rewritten as often. */
class Reporter {
  readonly #io: CliIo;
  readonly #quiet: boolean;
  readonly #file: string | undefined;
  readonly #text: () => Promise<string>;
  #sinceMs = Date.now();
  #samples = 0;
  #predictions = 0;
  #writing: Promise<void> | undefined;

  constructor(io: CliIo, quiet: boolean, file: string | undefined, text: () => Promise<string>) {
    this.#io = io;
    this.#quiet = quiet;
    this.#file = file;
    this.#text = text;
  }

  update(
    progress: { samples: number; predictions: number; invalid: number; sessions: number },
    metrics: { totalLag: { get(): Promise<{ values: { value: number }[] }> } },
  ): void {
    const now = Date.now();
    if (now - this.#sinceMs < REPORT_INTERVAL_MS) return;
    const seconds = (now - this.#sinceMs) / 1000;
    const samples = progress.samples - this.#samples;
    const predictions = progress.predictions - this.#predictions;
    this.#sinceMs = now;
    this.#samples = progress.samples;
    this.#predictions = progress.predictions;
    if (!this.#quiet) {
      void metrics.totalLag
        .get()
        .then((lag) =>
          writeLine(
            this.#io.stderr,
            `score: ${formatCount(samples / seconds)} samples/s, ${formatCount(predictions / seconds)} predictions/s, ` +
              `lag ${formatCount(lag.values[0]?.value ?? 0)}, ${formatCount(progress.sessions)} sessions, ` +
              `${formatCount(progress.invalid)} skipped so far`,
          ),
        );
    }
    this.#save();
  }

  #save(): void {
    if (this.#file === undefined || this.#writing !== undefined) return;
    const file = this.#file;
    this.#writing = (async () => {
      const { writeMetricsFile } = await import('../../pipeline/metrics-export.js');
      await writeMetricsFile(file, await this.#text());
    })().finally(() => (this.#writing = undefined));
    this.#writing.catch(() => undefined);
  }

  async finish(): Promise<void> {
    await this.#writing?.catch(() => undefined);
    if (this.#file !== undefined) {
      const { writeMetricsFile } = await import('../../pipeline/metrics-export.js');
      await writeMetricsFile(this.#file, await this.#text());
    }
  }
}
