// The Kafka transport against a real Apache Kafka broker: the shared transport suite, then
// what only Kafka has — partitions agreeing with Kafka's partitioner, compression, a broker
// that is down or restarts mid-stream.
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../src/errors.js';
import { KafkaTransport } from '../../src/log/kafka/kafka-transport.js';
import { partitionForKey } from '../../src/log/murmur2.js';
import type { LogTransport, TopicDescription } from '../../src/log/types.js';
import { pollUntil, runTransportSuite } from '../log/transport-suite.js';
import { releaseBroker, sharedBroker, testSettings } from './broker.js';
import { runRestartScenario } from './restart-scenario.js';

const broker = await sharedBroker();
after(() => releaseBroker());
const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

if (broker instanceof Error) {
  if (process.env.CI === 'true') {
    void test('a Kafka broker is available (CI=true)', () => {
      assert.fail(`no Kafka broker for the Kafka tests: ${broker.message}`);
    });
  } else {
    void test.skip(`Kafka transport (no broker: ${broker.message})`);
  }
} else {
  const brokers = broker.brokers;

  /** Waits until the broker's retention pass moved the log start of `topic`. */
  async function waitForRetention(transport: LogTransport, topic: string): Promise<void> {
    const admin = transport.createAdmin();
    try {
      const deadline = Date.now() + 30_000;
      let description: TopicDescription;
      do {
        description = await admin.describeTopic(topic);
        if (description.partitions.every((p) => p.logStartOffset > 0)) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      } while (Date.now() < deadline);
    } finally {
      await admin.close();
    }
  }

  runTransportSuite({
    name: 'kafka',
    create: () =>
      new KafkaTransport(
        testSettings(brokers, {
          // Kafka's retention.bytes counts stored (compressed) bytes and deletes whole
          // segments (1 GiB by default). The suite's retention test writes 400 kB of
          // repetitive text in 40 sends and keeps 20 kB; so that Kafka can honour that at
          // all, the suite's topics roll a segment every 50 ms (segment.ms) and are not
          // compressed (lz4 shrinks those values to ~2 %, under the limit). Compression has
          // its own tests below.
          compression: 'none',
          topicConfigs: { 'segment.ms': '50' },
        }),
      ),
    // The broker's retention pass runs every second on the test broker
    // (log.retention.check.interval.ms=1000): wait for it instead of forcing it.
    applyRetention: (transport, topic) => waitForRetention(transport, topic),
    consumerDefaults: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 },
    rebalanceTimeoutMs: 30_000,
  });

  describe('Kafka transport: Kafka specifics', () => {
    test('keyed messages land on the partition of Kafka default partitioner (murmur2)', async (t) => {
      const transport = new KafkaTransport(testSettings(brokers));
      t.after(() => transport.close());
      const admin = transport.createAdmin();
      const topic = unique('keys');
      await admin.createTopic(topic, { partitions: 7 });
      const producer = transport.createProducer();
      const keys = Array.from({ length: 300 }, (_, i) => `VH-${String(i).padStart(4, '0')}`);
      const metadata = await producer.send(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      metadata.forEach((m, i) =>
        assert.equal(m.partition, partitionForKey(Buffer.from(keys[i]!), 7), keys[i]),
      );
      // Kafka's documented test vectors (Utils.murmur2 in kafka-clients).
      assert.equal(partitionForKey(Buffer.from('21'), 2 ** 31 - 1), -973932308 & 0x7fffffff);
      const described = await admin.describeTopic(topic);
      const counts = new Map<number, number>();
      for (const m of metadata) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
      for (const p of described.partitions)
        assert.equal(p.highWatermark, counts.get(p.partition) ?? 0);
    });

    for (const compression of ['lz4', 'snappy', 'gzip'] as const) {
      test(`${compression} compression round-trips values, keys and headers`, async (t) => {
        const transport = new KafkaTransport(testSettings(brokers, { compression }));
        t.after(() => transport.close());
        const topic = unique(`z-${compression}`);
        await transport.createAdmin().createTopic(topic, { partitions: 2 });
        const producer = transport.createProducer({ lingerMs: 5 });
        const sent = Array.from({ length: 500 }, (_, i) => ({
          key: `veh-${i % 13}`,
          value: JSON.stringify({ vehicle_id: `veh-${i % 13}`, seq: i, speed_kmh: i * 0.5 }),
          headers: { seq: String(i) },
        }));
        await producer.send(topic, sent);
        const consumer = transport.createConsumer({ groupId: unique('g') });
        await consumer.subscribe([topic]);
        const got = await pollUntil(consumer, sent.length, { timeoutMs: 20_000 });
        assert.equal(got.length, sent.length);
        for (const m of got) {
          const i = Number(m.headers.get('seq')!.toString());
          assert.equal(m.value.toString(), sent[i]!.value);
          assert.equal(m.key!.toString(), sent[i]!.key);
        }
      });
    }

    test('a 1 MB value round-trips (alone and between small ones)', async (t) => {
      const transport = new KafkaTransport(testSettings(brokers));
      t.after(() => transport.close());
      const topic = unique('big');
      await transport.createAdmin().createTopic(topic, { partitions: 1 });
      const producer = transport.createProducer();
      const big = Buffer.alloc(1_000_000);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
      await producer.send(topic, [{ value: 'a' }, { value: big }, { value: 'b' }]);
      const consumer = transport.createConsumer({ groupId: unique('g') });
      await consumer.subscribe([topic]);
      const got = await pollUntil(consumer, 3, { timeoutMs: 20_000 });
      assert.deepEqual(
        got.map((m) => m.value.length),
        [1, 1_000_000, 1],
      );
      assert.ok(got[1]!.value.equals(big));
    });

    test('unreachable brokers fail fast with an error naming them', async (t) => {
      // Nothing listens on port 1: connections are refused at once.
      const transport = new KafkaTransport(
        testSettings('127.0.0.1:1', { connectTimeoutMs: 2_000, requestTimeoutMs: 2_000 }),
      );
      t.after(() => transport.close());
      for (const attempt of [
        () => transport.createProducer().send('telemetry', [{ value: 'x' }]),
        () => transport.createAdmin().listTopics(),
        () => transport.createConsumer({ groupId: 'g' }).subscribe(['telemetry']),
      ]) {
        const started = Date.now();
        await assert.rejects(
          attempt,
          (error: { code?: string; message?: string; canRetry?: boolean }) => {
            assert.equal(error.code, ERROR_CODES.logUnavailable, error.message);
            assert.match(error.message ?? '', /127\.0\.0\.1:1/);
            assert.equal(error.canRetry, true);
            return true;
          },
        );
        assert.ok(Date.now() - started < 6_000, `failed after ${Date.now() - started} ms`);
      }
    });

    test('a silent address (connect timeout) fails within the timeout, not a hang', async (t) => {
      // 10.255.255.1 is not routed here: the TCP connect waits until the connect timeout.
      const transport = new KafkaTransport(
        testSettings('10.255.255.1:9092', { connectTimeoutMs: 1_000, requestTimeoutMs: 1_000 }),
      );
      t.after(() => transport.close());
      const started = Date.now();
      await assert.rejects(
        () => transport.createAdmin().listTopics(),
        (error: { code?: string; message?: string }) =>
          error.code === ERROR_CODES.logUnavailable &&
          /10\.255\.255\.1:9092/.test(error.message ?? ''),
      );
      assert.ok(Date.now() - started < 4_000, `failed after ${Date.now() - started} ms`);
    });

    test(
      'a broker restart mid-stream loses and doubles nothing',
      { timeout: 240_000 },
      async () => {
        const report = await runRestartScenario();
        assert.equal(report.missing, 0, `missing ${report.missing} of ${report.produced}`);
        assert.equal(report.duplicatesInLog, 0, 'the idempotent producer wrote no record twice');
        assert.ok(report.sentDuringOutage > 0 || report.sendRetries > 0, JSON.stringify(report));
      },
    );
  });
}
