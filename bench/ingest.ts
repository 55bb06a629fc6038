// Bronze ingest: events/s from the log into the bronze Delta table (--available-now over a
// pre-filled topic), and end-to-end freshness (produced → committed in bronze) at a steady
// 10,000 events/s. The embedded log always; Kafka too when KAFKA_BROKERS is set.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLogTransport, type LogConnection } from '../src/log/connect.js';
import { kafkaSettingsFromEnv } from '../src/log/kafka/settings.js';
import type { LogTransport, ProducerMessage } from '../src/log/index.js';
import { UsageError } from '../src/errors.js';
import type { DeltaTable } from '../src/lake/index.js';
import { PARQUET_COMPRESSIONS, type ParquetCompression } from '../src/lake/parquet/index.js';
import { COMPRESSION_PROPERTY, parquetCompression } from '../src/lake/table-config.js';
import { BronzeIngestor, openBronzeTable } from '../src/pipeline/bronze/index.js';
import {
  describeMachine,
  integerOption,
  machineFigures,
  parseBenchArgs,
  printMachine,
  printTable,
  roundFigure,
  type Figures,
} from './lib.js';

export const description =
  'bronze ingest: log → bronze Delta events/s (embedded log; Kafka with KAFKA_BROKERS), freshness p95 at 10k events/s';

export const usage = `options:
  --events N        messages in the throughput run (default 1000000)
  --partitions N    topic partitions (default 6)
  --rate N          events/s of the freshness run (default 10000)
  --freshness-s S   seconds of the freshness run (default 20)
  --batch-records N --max-batch-records of the ingestor (default 100000)
  --batch-ms N      --max-batch-ms of the ingestor (default 1000)
  --compression C   bronze codec: uncompressed or gzip (default: the bronze table's)
Kafka runs too when KAFKA_BROKERS (host:port,...) is set.`;

/** A simulator telemetry event as the simulator encodes it (about 700 bytes). */
function telemetryValue(i: number): string {
  const t = new Date(Date.UTC(2026, 0, 1, 8) + i * 100).toISOString();
  return (
    `{"schema_version":1,"event_type":"telemetry","event_id":"00000000-0000-5000-8000-${String(i).padStart(12, '0')}",` +
    `"vehicle_id":"VH-${String(i % 1000).padStart(4, '0')}","session_id":"64e87516-ce61-5f38-a630-d1a11bab3674","seq":${i},"event_time":"${t}",` +
    `"signals":{"engine_rpm":${945.5 + (i % 4000)},"speed_kmh":${(i % 1800) / 10},"throttle":0.089,"brake":0.002,"gear":${1 + (i % 6)},"engine_load_pct":12.3,` +
    `"engine_torque_nm":-2,"coolant_temp_c":10.8,"oil_temp_c":11.1,"brake_temp_c":11,"fuel_rate_lph":0.79,"fuel_l_per_100km":0,"speed_limit_kmh":50,` +
    `"accel_mps2":0.64,"ambient_temp_c":11,"distance_km":0,"fuel_used_l":0,"engine_wear_pct":26.2878,"gearbox_wear_pct":4.5796,"brake_wear_pct":34.7059}}`
  );
}

function message(i: number): ProducerMessage {
  return { key: `VH-${String(i % 1000).padStart(4, '0')}`, value: telemetryValue(i) };
}

async function createTopic(
  transport: LogTransport,
  topic: string,
  partitions: number,
): Promise<void> {
  const admin = transport.createAdmin();
  try {
    await admin.createTopic(topic, { partitions, ifNotExists: true });
  } finally {
    await admin.close();
  }
}

interface Settings {
  readonly events: number;
  readonly partitions: number;
  readonly rate: number;
  readonly freshnessS: number;
  readonly batchRecords: number;
  readonly batchMs: number;
  /** The bronze codec to bench; the table's default when undefined. */
  readonly compression: ParquetCompression | undefined;
}

/** A fresh bronze table under `lake`, with the codec under test. */
async function openBenchTable(lake: string, s: Settings): Promise<DeltaTable> {
  const table = await openBronzeTable(lake);
  if (s.compression !== undefined) {
    await table.setProperties({ [COMPRESSION_PROPERTY]: s.compression });
  }
  return table;
}

interface Throughput {
  readonly eventsPerS: number;
  readonly produceEventsPerS: number;
  readonly wallS: number;
  readonly cpuPerWall: number;
  readonly commits: number;
  /** Bronze data file bytes per event (Parquet, as written). */
  readonly bytesPerEvent: number;
  readonly compression: ParquetCompression;
}

async function throughput(
  connection: LogConnection,
  lake: string,
  s: Settings,
): Promise<Throughput> {
  const transport = await openLogTransport(connection);
  const topic = `bench-ingest-${Date.now()}`;
  try {
    await createTopic(transport, topic, s.partitions);
    const producer = transport.createProducer();
    const produceStart = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let at = 0; at < s.events; at += 5000) {
      const batch = Array.from({ length: Math.min(5000, s.events - at) }, (_, k) =>
        message(at + k),
      );
      inFlight.push(producer.send(topic, batch));
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
    await producer.close();
    const produceS = (performance.now() - produceStart) / 1000;
    const table = await openBenchTable(lake, s);
    try {
      const ingestor = new BronzeIngestor({
        transport,
        table,
        topics: [topic],
        groupId: `bench-${topic}`,
        maxBatchRecords: s.batchRecords,
        maxBatchMs: s.batchMs,
        availableNow: true,
      });
      const cpu = process.cpuUsage();
      const start = performance.now();
      const summary = await ingestor.run();
      const wallS = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      if (summary.records !== s.events) {
        throw new Error(`ingested ${summary.records} of ${s.events} events`);
      }
      const snapshot = await table.snapshot();
      const { files } = snapshot;
      const bytes = files.reduce((sum, file) => sum + file.size, 0);
      return {
        eventsPerS: s.events / wallS,
        produceEventsPerS: s.events / produceS,
        wallS,
        cpuPerWall: (used.user + used.system) / 1e6 / wallS,
        commits: summary.batches,
        bytesPerEvent: bytes / s.events,
        compression: parquetCompression(snapshot.metadata.configuration),
      };
    } finally {
      table.close();
    }
  } finally {
    await transport.close();
  }
}

interface Freshness {
  readonly p50S: number;
  readonly p95S: number;
  readonly p99S: number;
  readonly maxS: number;
  readonly achievedRate: number;
  readonly events: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A paced producer at `rate` events/s; every committed record's commit time − send time. */
async function freshness(connection: LogConnection, lake: string, s: Settings): Promise<Freshness> {
  const transport = await openLogTransport(connection);
  const topic = `bench-fresh-${Date.now()}`;
  try {
    await createTopic(transport, topic, s.partitions);
    const table = await openBenchTable(lake, s);
    const latencies: number[] = [];
    const stop = new AbortController();
    const ingestor = new BronzeIngestor({
      transport,
      table,
      topics: [topic],
      groupId: `bench-${topic}`,
      maxBatchRecords: s.batchRecords,
      maxBatchMs: s.batchMs,
      onBatch: (report) => {
        for (const ts of report.timestampsMs) latencies.push((report.committedMs - ts) / 1000);
      },
    });
    const running = ingestor.run(stop.signal);
    try {
      const producer = transport.createProducer();
      const tickMs = 10;
      const start = performance.now();
      let sent = 0;
      let i = 0;
      while (performance.now() - start < s.freshnessS * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * s.rate);
        const batch: ProducerMessage[] = [];
        // Timestamps are the send time (the log's CreateTime), so freshness starts here.
        const now = Date.now();
        for (; sent < due; sent++) batch.push({ ...message(i++), timestamp: now });
        if (batch.length > 0) void producer.send(topic, batch);
        await new Promise((resolve) => setTimeout(resolve, tickMs));
      }
      await producer.close();
      const achievedRate = sent / ((performance.now() - start) / 1000);
      // Let the last batch commit.
      const deadline = Date.now() + 10_000;
      while (latencies.length < sent && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      stop.abort();
      await running;
      // The first seconds include the group join and DuckDB start-up: measure the steady state.
      const steady = latencies.slice(Math.min(latencies.length, 2 * s.rate));
      const sorted = Float64Array.from(steady).sort();
      return {
        p50S: percentile(sorted, 0.5),
        p95S: percentile(sorted, 0.95),
        p99S: percentile(sorted, 0.99),
        maxS: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
        achievedRate,
        events: latencies.length,
      };
    } finally {
      stop.abort();
      await running.catch(() => undefined);
      table.close();
    }
  } finally {
    await transport.close();
  }
}

export async function run(args: readonly string[]): Promise<Figures> {
  const values = parseBenchArgs(args, {
    events: { type: 'string' },
    partitions: { type: 'string' },
    rate: { type: 'string' },
    'freshness-s': { type: 'string' },
    'batch-records': { type: 'string' },
    'batch-ms': { type: 'string' },
    compression: { type: 'string' },
  });
  const compression = values.compression;
  if (
    compression !== undefined &&
    !(PARQUET_COMPRESSIONS as readonly string[]).includes(compression)
  ) {
    throw new UsageError(`--compression must be one of ${PARQUET_COMPRESSIONS.join(', ')}`);
  }
  const settings: Settings = {
    events: integerOption(values, 'events', 1_000_000),
    partitions: integerOption(values, 'partitions', 6),
    rate: integerOption(values, 'rate', 10_000),
    freshnessS: integerOption(values, 'freshness-s', 20),
    batchRecords: integerOption(values, 'batch-records', 100_000),
    batchMs: integerOption(values, 'batch-ms', 1000),
    compression: compression as ParquetCompression | undefined,
  };
  const machine = describeMachine();
  printMachine(machine);
  const dir = await mkdtemp(path.join(tmpdir(), 'pitwall-bench-ingest-'));
  try {
    const runs: { name: string; connection: LogConnection }[] = [
      { name: 'local', connection: { source: 'local', dir: path.join(dir, 'log') } },
    ];
    const brokers = process.env['KAFKA_BROKERS'];
    if (brokers !== undefined && brokers !== '') {
      runs.push({
        name: 'kafka',
        connection: { source: 'kafka', kafka: kafkaSettingsFromEnv(process.env, { brokers }) },
      });
    }
    const results = new Map<string, { t: Throughput; f: Freshness }>();
    for (const { name, connection } of runs) {
      const t = await throughput(connection, path.join(dir, `lake-${name}-t`), settings);
      const f = await freshness(connection, path.join(dir, `lake-${name}-f`), settings);
      results.set(name, { t, f });
    }
    printTable(
      [
        'log',
        'events',
        'ingest events/s',
        'CPU s / wall s',
        'commits',
        'bronze B/event',
        'codec',
        'produce events/s',
      ],
      [...results].map(([name, { t }]) => [
        name,
        settings.events,
        t.eventsPerS,
        t.cpuPerWall,
        t.commits,
        t.bytesPerEvent,
        t.compression,
        t.produceEventsPerS,
      ]),
    );
    printTable(
      ['log', 'rate events/s', 'events', 'freshness p50 s', 'p95 s', 'p99 s', 'max s'],
      [...results].map(([name, { f }]) => [
        name,
        f.achievedRate,
        f.events,
        f.p50S,
        f.p95S,
        f.p99S,
        f.maxS,
      ]),
    );
    if (!results.has('kafka'))
      console.log('kafka: skipped (set KAFKA_BROKERS=host:port to run it)\n');
    const local = results.get('local')!;
    const kafka = results.get('kafka');
    return {
      ...machineFigures(machine),
      events: settings.events,
      local_events_per_s: roundFigure(local.t.eventsPerS),
      local_bronze_bytes_per_event: roundFigure(local.t.bytesPerEvent),
      local_cpu_per_wall: roundFigure(local.t.cpuPerWall, 2),
      local_events_per_cpu_s: roundFigure(local.t.eventsPerS / local.t.cpuPerWall),
      compression: local.t.compression,
      kafka_events_per_s: kafka === undefined ? Number.NaN : roundFigure(kafka.t.eventsPerS),
      freshness_p95_s: roundFigure(local.f.p95S, 3),
      freshness_p50_s: roundFigure(local.f.p50S, 3),
      kafka_freshness_p95_s: kafka === undefined ? Number.NaN : roundFigure(kafka.f.p95S, 3),
      freshness_rate_events_per_s: roundFigure(local.f.achievedRate),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
