// A Kafka broker for the Kafka tests: KAFKA_BROKERS when it answers, else the repo's test
// broker started with scripts/kafka/start.sh (Apache Kafka 4.3.1 from Maven Central, on
// 127.0.0.1). Without a broker the tests skip locally and FAIL when CI=true.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { KafkaSettings } from '../../src/log/kafka/settings.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Broker settings of the test broker: retention checked every second (Kafka's default is
 * every 5 minutes), so retention tests see the log cleaner act within seconds; group
 * session timeouts from 1 s (default minimum 6 s), so tests that kill members see their
 * partitions move quickly. `.ci/run` starts its broker with the same settings.
 */
export const TEST_BROKER_OVERRIDES = [
  'log.retention.check.interval.ms=1000',
  'group.min.session.timeout.ms=1000',
] as const;

export interface TestBroker {
  /** `host:port,...` */
  readonly brokers: string;
  /** True when this process started the broker (and stops it in `stop`). */
  readonly started: boolean;
  readonly port: number | undefined;
  stop(): Promise<void>;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(error) });
    });
  });
}

/** True when a Kafka broker answers a Metadata request at `address` (scripts/kafka/probe.js). */
export async function brokerAnswers(address: string, timeoutMs = 3000): Promise<boolean> {
  const result = await run(
    process.execPath,
    ['scripts/kafka/probe.js', address, '--timeout-ms', String(timeoutMs)],
    process.env,
    timeoutMs + 5000,
  );
  return result.code === 0;
}

/**
 * Starts the repo's test broker on `port` (default PITWALL_KAFKA_PORT or 19092); `fresh`
 * wipes its data first. Resolves with its address; rejects with the script's output.
 */
export async function startTestBroker(
  options: { port?: number; fresh?: boolean; overrides?: readonly string[] } = {},
): Promise<TestBroker> {
  const env = { ...process.env };
  if (options.port !== undefined) env.PITWALL_KAFKA_PORT = String(options.port);
  const args = ['scripts/kafka/start.sh', '--max-lifetime', '1h'];
  if (options.fresh) args.push('--fresh');
  for (const o of options.overrides ?? TEST_BROKER_OVERRIDES) args.push('--override', o);
  const result = await run('bash', args, env, 180_000);
  const match = /^KAFKA_BROKERS=(\S+)$/m.exec(result.stdout);
  if (result.code !== 0 || !match) {
    throw new Error(
      `scripts/kafka/start.sh failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-8).join('\n')}`,
    );
  }
  const port = Number(env.PITWALL_KAFKA_PORT ?? 19092);
  return {
    brokers: match[1]!,
    started: true,
    port,
    stop: () => stopTestBroker(port),
  };
}

/** Stops the test broker on `port` (scripts/kafka/stop.sh). */
export async function stopTestBroker(port: number): Promise<void> {
  const result = await run(
    'bash',
    ['scripts/kafka/stop.sh'],
    { ...process.env, PITWALL_KAFKA_PORT: String(port) },
    90_000,
  );
  if (result.code !== 0) throw new Error(`scripts/kafka/stop.sh failed: ${result.stderr.trim()}`);
}

let shared: Promise<TestBroker | Error> | undefined;

/**
 * The broker of this test run: KAFKA_BROKERS if it answers, else the test broker (started
 * once per process, stopped by `releaseBroker` unless PITWALL_KAFKA_KEEP=1). Resolves with
 * an Error when there is none.
 */
export function sharedBroker(): Promise<TestBroker | Error> {
  shared ??= (async () => {
    const given = process.env.KAFKA_BROKERS;
    if (given) {
      if (await brokerAnswers(given.split(',')[0]!)) {
        return { brokers: given, started: false, port: undefined, stop: async () => {} };
      }
      return new Error(`KAFKA_BROKERS=${given} does not answer`);
    }
    const port = Number(process.env.PITWALL_KAFKA_PORT ?? 19092);
    if (await brokerAnswers(`127.0.0.1:${port}`)) {
      return { brokers: `127.0.0.1:${port}`, started: false, port, stop: async () => {} };
    }
    try {
      return await startTestBroker({ port });
    } catch (error) {
      return error as Error;
    }
  })();
  return shared;
}

/** Stops the shared broker if this process started it. */
export async function releaseBroker(): Promise<void> {
  const broker = await shared;
  shared = undefined;
  if (
    broker &&
    !(broker instanceof Error) &&
    broker.started &&
    process.env.PITWALL_KAFKA_KEEP !== '1'
  ) {
    await broker.stop();
  }
}

/**
 * The broker for a test: skips the test when there is none, unless CI=true, where the
 * missing broker fails it.
 */
export async function requireBroker(t: TestContext): Promise<TestBroker | undefined> {
  const broker = await sharedBroker();
  if (!(broker instanceof Error)) return broker;
  if (process.env.CI === 'true')
    throw new Error(`no Kafka broker for the Kafka tests: ${broker.message}`);
  t.skip(`no Kafka broker: ${broker.message}`);
  return undefined;
}

/** Settings for the test broker with test-friendly timeouts. */
export function testSettings(brokers: string, extra: Partial<KafkaSettings> = {}): KafkaSettings {
  return {
    brokers: brokers.split(','),
    clientId: 'pitwall-test',
    replicationFactor: 1,
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 15_000,
    ...extra,
  };
}
