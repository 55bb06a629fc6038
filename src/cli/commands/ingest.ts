// `pitwall ingest`: log topics → the bronze Delta table, exactly once, until stopped or,
// with --available-now, until what the topics held at the start is in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { IoError } from '../../errors.js';
import type { LogConnection } from '../../log/connect.js';
import type { BatchReport, BronzeMetrics } from '../../pipeline/bronze/index.js';
import { writeLine, type CliContext, type CliIo } from '../context.js';
import { formatCount, formatWallTime } from '../format.js';
import { collect } from '../options.js';
import {
  INGEST_DEFAULTS as D,
  INGEST_LIMITS as L,
  parseIngestOptions,
  type IngestSettings,
  type RawIngestOptions,
} from './ingest-options.js';

const EXAMPLES = `
Examples:
  pitwall ingest --available-now                 # drain the embedded log into bronze, then exit
  pitwall ingest --metrics-port 9464             # run until Ctrl-C; Prometheus at 127.0.0.1:9464/metrics
  pitwall ingest --source kafka --brokers localhost:9092 --topic telemetry --group bronze`;

/** Progress lines go out this often, ms. */
const REPORT_INTERVAL_MS = 10_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const satisfies readonly NodeJS.Signals[];

/** Registers `ingest` on `program`. */
export function registerIngest(program: Command, context: CliContext): void {
  const command = program
    .command('ingest')
    .description('consume telemetry topics into the bronze Delta table, exactly once')
    .option('--source <kind>', `local (the embedded log) or kafka (default: ${D.source})`)
    .option('--log-dir <dir>', `embedded log folder for --source local (default: ${D.logDir})`)
    .option(
      '--brokers <list>',
      'Kafka bootstrap brokers host:port,... for --source kafka (default: $PITWALL_KAFKA_BROKERS)',
    )
    .option('--topic <name>', `topic to consume; repeatable (default: ${D.topic})`, collect)
    .option('--group <id>', `consumer group (default: ${D.group})`)
    .option('--lake <dir>', `lake root; the table is <lake>/bronze/telemetry (default: ${D.lake})`)
    .option(
      '--max-batch-records <n>',
      `commit a micro-batch at this many messages, ${L.maxBatchRecords.min}-${L.maxBatchRecords.max} (default: ${D.maxBatchRecords})`,
    )
    .option(
      '--max-batch-ms <ms>',
      `commit a micro-batch this long after its first message, ${L.maxBatchMs.min}-${L.maxBatchMs.max} (default: ${D.maxBatchMs})`,
    )
    .option('--available-now', 'ingest what the topics hold now, commit, and exit')
    .option(
      '--metrics-port <port>',
      'serve Prometheus metrics at http://<host>:<port>/metrics (0: any free port)',
    )
    .option(
      '--metrics-host <addr>',
      `address the metrics endpoint binds (default: ${D.metricsHost})`,
    )
    .option('--metrics-file <file>', 'also write Prometheus metrics to this file after every batch')
    .option(
      '--session-timeout-ms <ms>',
      `a crashed member keeps its partitions this long (default: ${D.sessionTimeoutMs})`,
    )
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const settings = parseIngestOptions(command.opts<RawIngestOptions>(), context.io.env);
      await ingest(settings, context);
    });
}

function describe(connection: LogConnection): string {
  return connection.source === 'local'
    ? `the embedded log in ${connection.dir}`
    : `Kafka at ${connection.kafka.brokers.join(',')}`;
}

async function ingest(settings: IngestSettings, context: CliContext): Promise<void> {
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
  const [{ openLogTransport }, bronze, exporter] = await Promise.all([
    import('../../log/connect.js'),
    import('../../pipeline/bronze/index.js'),
    import('../../pipeline/metrics-export.js'),
  ]);
  const table = await bronze.openBronzeTable(settings.lake);
  const cleanups: (() => Promise<void>)[] = [() => table[Symbol.asyncDispose]()];
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
    const metrics = new bronze.BronzeMetrics();
    if (settings.metricsPort !== undefined) {
      const server = await exporter.serveMetrics(() => metrics.text(), {
        port: settings.metricsPort,
        host: settings.metricsHost,
      });
      cleanups.push(() => server.close());
      if (!settings.quiet)
        writeLine(io.stderr, `ingest: metrics at http://${server.host}:${server.port}/metrics`);
    }
    const saveMetrics =
      settings.metricsFile === undefined
        ? undefined
        : async () => exporter.writeMetricsFile(settings.metricsFile!, await metrics.text());
    if (!settings.quiet) {
      writeLine(
        io.stderr,
        `ingest: group ${settings.group}, topics ${settings.topics.join(',')} of ${describe(connection)} -> ${bronze.bronzeTableLocation(settings.lake)}${settings.availableNow ? ' (available now)' : ''}`,
      );
    }
    const reporter = new Reporter(io, metrics, settings.quiet);
    let saving: Promise<void> | undefined;
    const ingestor = new bronze.BronzeIngestor({
      transport,
      table,
      topics: settings.topics,
      groupId: settings.group,
      maxBatchRecords: settings.maxBatchRecords,
      maxBatchMs: settings.maxBatchMs,
      availableNow: settings.availableNow,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      metrics,
      onBatch: (report) => {
        reporter.add(report);
        // One write at a time; a batch committed meanwhile is in the next one.
        if (saveMetrics !== undefined && saving === undefined) {
          saving = saveMetrics().finally(() => (saving = undefined));
          saving.catch(() => undefined);
        }
      },
    });
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    const startMs = Date.now();
    const summary = await ingestor.run(controller.signal);
    await saving;
    await saveMetrics?.();
    if (!settings.quiet) {
      const how =
        summary.reason === 'available-now'
          ? 'done (available now)'
          : `stopped by ${stopSignal ?? 'request'}`;
      writeLine(
        io.stderr,
        `ingest: ${how}: ${formatCount(summary.records)} records in ${formatCount(summary.batches)} commits` +
          `${summary.skippedRecords > 0 ? `, ${formatCount(summary.skippedRecords)} already in bronze` : ''}` +
          ` in ${formatWallTime((Date.now() - startMs) / 1000)}`,
      );
    }
  } finally {
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/** One progress line every REPORT_INTERVAL_MS, from the batches committed meanwhile. */
class Reporter {
  readonly #io: CliIo;
  readonly #metrics: BronzeMetrics;
  readonly #quiet: boolean;
  #sinceMs = Date.now();
  #records = 0;
  #batches = 0;
  #latencyS = 0;
  #conflicts = 0;
  readonly #hostile = { not_json: 0, empty: 0, other_json: 0 };

  constructor(io: CliIo, metrics: BronzeMetrics, quiet: boolean) {
    this.#io = io;
    this.#metrics = metrics;
    this.#quiet = quiet;
  }

  add(report: BatchReport): void {
    this.#records += report.records;
    if (report.version !== undefined) this.#batches++;
    this.#latencyS += report.latencyS;
    this.#conflicts += report.versionConflicts + report.txnConflicts;
    this.#hostile.not_json += report.classes.not_json;
    this.#hostile.empty += report.classes.empty;
    this.#hostile.other_json += report.classes.other_json;
    if (!this.#quiet && Date.now() - this.#sinceMs >= REPORT_INTERVAL_MS) void this.#report();
  }

  async #report(): Promise<void> {
    const now = Date.now();
    const seconds = (now - this.#sinceMs) / 1000;
    const lag = (await this.#metrics.totalLag.get()).values[0]?.value ?? 0;
    const batches = Math.max(1, this.#batches);
    writeLine(
      this.#io.stderr,
      `ingest: ${formatCount(this.#records / seconds)} records/s, lag ${formatCount(lag)}, ` +
        `${formatCount(this.#batches)} commits of ${formatCount(this.#records / batches)} records avg, ` +
        `latency ${(this.#latencyS / batches).toFixed(2)}s avg, ${formatCount(this.#conflicts)} conflicts; ` +
        `hostile so far: ${formatCount(this.#hostile.not_json)} not JSON, ${formatCount(this.#hostile.empty)} empty, ` +
        `${formatCount(this.#hostile.other_json)} other JSON`,
    );
    this.#sinceMs = now;
    this.#records = 0;
    this.#batches = 0;
    this.#latencyS = 0;
    this.#conflicts = 0;
  }
}
