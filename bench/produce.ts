// Kafka produce throughput: simulator telemetry (FleetRunner's JSON lines, keyed by
// vehicle_id) produced into a real Kafka broker through KafkaTransport and LogSink — the
// path `pitwall simulate --sink kafka` takes — next to Kafka's own Java producer benchmark
// (kafka-producer-perf-test, scripts/kafka/perf-test.sh) with the same record count and the
// mean event size, in the same run on the same broker.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaTransport } from '../src/log/kafka/kafka-transport.js';
import { kafkaSettingsFromEnv, type KafkaCompression } from '../src/log/kafka/settings.js';
import { LogSink } from '../src/log/log-sink.js';
import { PRODUCER_DEFAULTS } from '../src/log/options.js';
import { FAULT_PRESETS } from '../src/sim/faults.js';
import { FleetRunner } from '../src/sim/runner.js';
import type { RecordBatch, TelemetrySink } from '../src/telemetry/sink.js';
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
  'Kafka produce: simulator events/s through KafkaTransport vs kafka-producer-perf-test (same count and size)';

export const usage = `options:
  --vehicles N     fleet size (default 500)
  --events N       events to produce (default 300000)
  --partitions N   partitions of the topics (default 3, as perf-test.sh creates)
  --compression C  none | gzip | snappy | lz4 (default: the transport's default, lz4)
env: KAFKA_BROKERS (default: the test broker, started with scripts/kafka/start.sh)`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

const NEWLINE = Buffer.from('\n');

/** Keeps copies of the batches a FleetRunner emits (it reuses its buffers). */
class CapturingSink implements TelemetrySink {
  readonly batches: RecordBatch[] = [];
  events = 0;
  bytes = 0;
  constructor(readonly limit: number) {}
  write(batch: RecordBatch): void {
    const room = this.limit - this.events;
    if (room <= 0) return;
    const n = Math.min(room, batch.keys.length);
    const values = batch.values.slice(0, n).map((v) => Buffer.from(v));
    for (const v of values) this.bytes += v.length;
    this.batches.push({ keys: batch.keys.slice(0, n), values });
    this.events += n;
  }
  async close(): Promise<void> {}
}

function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new Error(`${args[0]} exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`),
          ),
    );
  });
}

async function brokers(): Promise<string> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const out = await runProcess('bash', ['scripts/kafka/start.sh'], process.env);
  const match = /^KAFKA_BROKERS=(\S+)$/m.exec(out);
  if (!match) throw new Error(`scripts/kafka/start.sh printed no address: ${out}`);
  return match[1]!;
}

export async function run(args: readonly string[]): Promise<Figures> {
  const values = parseBenchArgs(args, {
    vehicles: { type: 'string' },
    events: { type: 'string' },
    partitions: { type: 'string' },
    compression: { type: 'string' },
  });
  const vehicles = integerOption(values, 'vehicles', 500);
  const events = integerOption(values, 'events', 300_000);
  const partitions = integerOption(values, 'partitions', 3);
  const bootstrap = await brokers();
  const settings = kafkaSettingsFromEnv({
    ...process.env,
    PITWALL_KAFKA_BROKERS: bootstrap,
    ...(typeof values.compression === 'string'
      ? { PITWALL_KAFKA_COMPRESSION: values.compression }
      : {}),
  });
  const compression: KafkaCompression = settings.compression ?? 'lz4';
  const machine = describeMachine();
  printMachine(machine);

  // 1. The events, as FleetRunner encodes them (simulation time not counted below).
  const capture = new CapturingSink(events);
  const seconds = Math.ceil(events / (vehicles * 10)) + 1;
  await new FleetRunner({
    vehicles,
    seed: 42,
    hz: 10,
    drivers: 'mix',
    faults: FAULT_PRESETS.default,
    durationS: seconds,
    startTimeMs: START_MS,
    batchSeconds: 1,
  }).run(capture);
  const meanBytes = Math.round(capture.bytes / capture.events);

  // 2. Pitwall: LogSink → KafkaTransport producer (idempotent, acks=all).
  const transport = new KafkaTransport(settings);
  let pitwallS: number;
  try {
    const topic = `bench-produce-${randomUUID().slice(0, 8)}`;
    const sink = await LogSink.open(transport, { topic, partitions });
    const started = performance.now();
    for (const batch of capture.batches) await sink.write(batch);
    await sink.close();
    pitwallS = (performance.now() - started) / 1000;
    const admin = transport.createAdmin();
    const described = await admin.describeTopic(topic);
    const stored = described.partitions.reduce((n, p) => n + p.highWatermark, 0);
    if (stored !== capture.events)
      throw new Error(`the topic holds ${stored} of ${capture.events} events`);
    await admin.deleteTopic(topic);
  } finally {
    await transport.close();
  }

  // 3. Kafka's Java producer benchmark with the same events (as its payload file, so
  //    compression sees the same bytes), the same count, and the same producer settings:
  //    acks=all, idempotent, the same codec, 1 MiB batches as Pitwall's producer.
  const perfTopic = `bench-perf-${randomUUID().slice(0, 8)}`;
  const payloadDir = await mkdtemp(path.join(tmpdir(), 'pitwall-produce-'));
  const payloadFile = path.join(payloadDir, 'events.ndjson');
  let perfOut: string;
  try {
    await writeFile(
      payloadFile,
      Buffer.concat(capture.batches.flatMap((b) => b.values.flatMap((v) => [v, NEWLINE]))),
    );
    perfOut = await runProcess(
      'bash',
      [
        'scripts/kafka/perf-test.sh',
        '--topic',
        perfTopic,
        '--num-records',
        String(capture.events),
        '--payload-file',
        payloadFile,
        '--throughput',
        '-1',
        '--command-property',
        `compression.type=${compression}`,
        'acks=all',
        'enable.idempotence=true',
        `batch.size=${PRODUCER_DEFAULTS.batchBytes}`,
        'linger.ms=5',
      ],
      {
        ...process.env,
        KAFKA_BROKERS: bootstrap,
        PITWALL_KAFKA_PERF_PARTITIONS: String(partitions),
      },
    );
  } finally {
    await rm(payloadDir, { recursive: true, force: true });
  }
  const summary = perfOut.trim().split('\n').at(-1) ?? '';
  const rate = /([\d.]+) records\/sec/.exec(summary);
  if (!rate) throw new Error(`unexpected perf-test output: ${summary}`);
  const referencePerS = Number(rate[1]);
  const pitwallPerS = capture.events / pitwallS;
  const ratio = pitwallPerS / referencePerS;

  printTable(
    ['producer', 'events', 'bytes/event', 'compression', 'events/s', 'MB/s'],
    [
      [
        'Pitwall (KafkaTransport via LogSink)',
        capture.events,
        meanBytes,
        compression,
        Math.round(pitwallPerS),
        ((pitwallPerS * meanBytes) / 1e6).toFixed(1),
      ],
      [
        'kafka-producer-perf-test (Java)',
        capture.events,
        meanBytes,
        compression,
        Math.round(referencePerS),
        ((referencePerS * meanBytes) / 1e6).toFixed(1),
      ],
    ],
  );
  console.log(`ratio ${ratio.toFixed(2)} (goal ≥ 0.5)`);
  return {
    ...machineFigures(machine),
    events: capture.events,
    mean_event_bytes: meanBytes,
    partitions,
    compression,
    events_per_s: roundFigure(pitwallPerS),
    reference_events_per_s: roundFigure(referencePerS),
    ratio: roundFigure(ratio, 3),
  };
}
