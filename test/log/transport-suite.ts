// The shared suite every log transport must pass (embedded now, Kafka later): call
// `runTransportSuite(factory)` from a transport's test file. Each test uses its own
// topics and groups, so a real broker can run them side by side.
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import { LogSink } from '../../src/log/log-sink.js';
import { partitionForKey } from '../../src/log/murmur2.js';
import type {
  ConsumedMessage,
  ConsumerOptions,
  LogConsumer,
  LogTransport,
  ProducerMessage,
  TopicPartition,
} from '../../src/log/types.js';

export interface TransportFactory {
  readonly name: string;
  /** A transport on an empty log (the embedded log: a new folder). The suite closes it. */
  create(t: TestContext): LogTransport | Promise<LogTransport>;
  /** Makes retention run now (embedded: `enforceRetention`; Kafka: wait for the log cleaner). */
  applyRetention(transport: LogTransport, topic: string): void | Promise<void>;
  /** Consumer settings that keep group tests quick on this transport (session timeouts). */
  readonly consumerDefaults?: Partial<Omit<ConsumerOptions, 'groupId'>>;
  /** Upper bound for a rebalance to settle, ms. */
  readonly rebalanceTimeoutMs?: number;
}

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Polls until `count` messages arrived (or `timeoutMs` passed); commits after each poll when asked. */
export async function pollUntil(
  consumer: LogConsumer,
  count: number,
  { timeoutMs = 10_000, commit = false } = {},
): Promise<ConsumedMessage[]> {
  const out: ConsumedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await consumer.poll({
      timeoutMs: Math.min(200, Math.max(0, deadline - Date.now())),
    });
    out.push(...batch);
    if (commit && batch.length > 0) await consumer.commit();
  }
  return out;
}

async function rejectsWithCode(
  promise: Promise<unknown> | (() => unknown),
  code: ErrorCode,
): Promise<void> {
  await assert.rejects(
    async () => (typeof promise === 'function' ? await promise() : await promise),
    (error: unknown) => {
      assert.equal((error as { code?: unknown }).code, code, String(error));
      return true;
    },
  );
}

const tpKey = (m: TopicPartition): string => `${m.topic}/${m.partition}`;

export function runTransportSuite(factory: TransportFactory): void {
  const rebalanceTimeoutMs = factory.rebalanceTimeoutMs ?? 15_000;

  async function open(t: TestContext): Promise<LogTransport> {
    const transport = await factory.create(t);
    t.after(() => transport.close());
    return transport;
  }

  function consumerOf(
    transport: LogTransport,
    groupId: string,
    options: Partial<ConsumerOptions> = {},
  ) {
    return transport.createConsumer({ ...factory.consumerDefaults, ...options, groupId });
  }

  async function topicOf(transport: LogTransport, partitions: number, extra = {}): Promise<string> {
    const topic = unique('topic');
    const admin = transport.createAdmin();
    try {
      assert.equal(await admin.createTopic(topic, { partitions, ...extra }), true);
    } finally {
      await admin.close();
    }
    return topic;
  }

  /** Polls every consumer until together they own `partitions` partitions, each some. */
  async function settle(consumers: readonly LogConsumer[], partitions: number): Promise<void> {
    const deadline = Date.now() + rebalanceTimeoutMs;
    for (;;) {
      for (const c of consumers) assert.deepEqual(await c.poll({ timeoutMs: 20 }), []);
      const owned = consumers.map((c) => c.assignment().length);
      if (owned.reduce((a, b) => a + b, 0) === partitions && owned.every((n) => n > 0)) return;
      if (Date.now() > deadline)
        assert.fail(`group did not settle: ${owned.join(' + ')} of ${partitions}`);
    }
  }

  describe(`log transport: ${factory.name}`, () => {
    test('admin creates, lists, describes and deletes topics', async (t) => {
      const transport = await open(t);
      const admin = transport.createAdmin();
      t.after(() => admin.close());
      const topic = unique('admin');
      assert.equal(await admin.createTopic(topic, { partitions: 3, replicationFactor: 1 }), true);
      assert.equal(await admin.createTopic(topic, { partitions: 3, ifNotExists: true }), false);
      assert.ok((await admin.listTopics()).includes(topic));
      const description = await admin.describeTopic(topic);
      assert.equal(description.name, topic);
      assert.deepEqual(
        description.partitions.map((p) => [p.partition, p.logStartOffset, p.highWatermark]),
        [
          [0, 0, 0],
          [1, 0, 0],
          [2, 0, 0],
        ],
      );
      await admin.deleteTopic(topic);
      assert.ok(!(await admin.listTopics()).includes(topic));
      await rejectsWithCode(admin.describeTopic(topic), ERROR_CODES.logUnknownTopic);
    });

    test('admin refuses duplicates, unknown topics and bad arguments with their codes', async (t) => {
      const transport = await open(t);
      const admin = transport.createAdmin();
      t.after(() => admin.close());
      const topic = await topicOf(transport, 1);
      await rejectsWithCode(
        admin.createTopic(topic, { partitions: 1 }),
        ERROR_CODES.logTopicExists,
      );
      await rejectsWithCode(admin.deleteTopic(unique('missing')), ERROR_CODES.logUnknownTopic);
      await rejectsWithCode(
        admin.createTopic('bad name!', { partitions: 1 }),
        ERROR_CODES.logInvalidArgument,
      );
      await rejectsWithCode(
        admin.createTopic(unique('zero'), { partitions: 0 }),
        ERROR_CODES.logInvalidArgument,
      );
      await rejectsWithCode(
        admin.createTopic(unique('typo'), { partitions: 1, retentionMS: 5 } as never),
        ERROR_CODES.logInvalidArgument,
      );
    });

    test('a round trip keeps keys, values, headers and timestamps byte for byte', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 2);
      const producer = transport.createProducer();
      t.after(() => producer.close());
      const sent: (ProducerMessage & { key: string | Uint8Array | null })[] = [
        {
          key: 'veh-1',
          value: '{"speed_kmh":42.5}',
          headers: { 'content-type': 'application/json' },
          timestamp: 1_700_000_000_123,
        },
        {
          key: Buffer.from([0, 1, 2]),
          value: new Uint8Array([9, 8, 7]),
          timestamp: 1_700_000_000_456,
        },
        {
          key: null,
          value: Buffer.from('no key'),
          headers: new Map([['bin', Buffer.from([0xff, 0x00])]]),
        },
        { key: 'veh-1', value: 'ünïcødé ✓ 🚗', headers: { 'h-ä': 'v', empty: '' } },
      ];
      const metadata = await producer.send(topic, sent);
      assert.equal(metadata.length, sent.length);
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      const received = await pollUntil(consumer, sent.length);
      assert.equal(received.length, sent.length);
      sent.forEach((message, i) => {
        const meta = metadata[i]!;
        const got = received.find(
          (m) => m.partition === meta.partition && m.offset === meta.offset,
        );
        assert.ok(got, `message ${i} at ${meta.partition}/${meta.offset}`);
        assert.equal(got.topic, topic);
        assert.deepEqual(got.key, message.key === null ? null : Buffer.from(message.key));
        assert.deepEqual(got.value, Buffer.from(message.value));
        const given = message.headers;
        const headers: [string, string | Uint8Array][] =
          given === undefined
            ? []
            : given instanceof Map
              ? [...(given as Map<string, string | Uint8Array>)]
              : Object.entries(given as Record<string, string | Uint8Array>);
        assert.deepEqual(
          [...got.headers].map(([k, v]) => [k, v]),
          headers.map(([k, v]) => [k, Buffer.from(v)]),
        );
        if (message.timestamp !== undefined) assert.equal(got.timestamp, message.timestamp);
        else assert.ok(Math.abs(got.timestamp - Date.now()) < 60_000);
        assert.equal(got.timestamp, meta.timestamp);
      });
    });

    test('hostile values come back exactly: empty, binary garbage, invalid UTF-8, 1 MB', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 1);
      const producer = transport.createProducer();
      t.after(() => producer.close());
      const values = [
        Buffer.alloc(0),
        randomBytes(4096),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80]),
        Buffer.from([0]),
        randomBytes(1_000_000),
        Buffer.from('\r\n\u0000"\\', 'utf8'),
      ];
      await producer.send(
        topic,
        values.map((value, i) => ({ key: i % 2 === 0 ? Buffer.alloc(0) : randomBytes(33), value })),
      );
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      const received = await pollUntil(consumer, values.length);
      assert.equal(received.length, values.length);
      received.forEach((m, i) => {
        assert.equal(m.offset, i);
        assert.ok(m.value.equals(values[i]!), `value ${i} (${values[i]!.length} bytes) differs`);
      });
      assert.deepEqual(received[0]!.key, Buffer.alloc(0), 'an empty key is not a null key');
    });

    test('messages with one key keep their order on the partition murmur2 picks', async (t) => {
      const transport = await open(t);
      const partitions = 4;
      const topic = await topicOf(transport, partitions);
      const producer = transport.createProducer({ lingerMs: 2 });
      t.after(() => producer.close());
      const keys = Array.from({ length: 25 }, (_, i) => `vehicle-${i}`);
      const sends: Promise<unknown>[] = [];
      for (let round = 0; round < 40; round++) {
        sends.push(
          producer.send(
            topic,
            keys.map((key) => ({ key, value: `${key}#${round}` })),
          ),
        );
      }
      await Promise.all(sends);
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      const received = await pollUntil(consumer, keys.length * 40);
      assert.equal(received.length, keys.length * 40);
      const seen = new Map<string, number>();
      for (const m of received) {
        const key = m.key!.toString();
        assert.equal(
          m.partition,
          partitionForKey(Buffer.from(key), partitions),
          `partition of ${key}`,
        );
        const round = Number(m.value.toString().split('#')[1]);
        assert.equal(round, (seen.get(key) ?? -1) + 1, `order of ${key}`);
        seen.set(key, round);
      }
    });

    test('offsets are contiguous per partition and match the send metadata', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 3);
      const producer = transport.createProducer();
      t.after(() => producer.close());
      const metadata = (
        await Promise.all(
          Array.from({ length: 10 }, (_, s) =>
            producer.send(
              topic,
              Array.from({ length: 30 }, (_, i) => ({
                key: `k${(s * 7 + i) % 11}`,
                value: `${s}/${i}`,
              })),
            ),
          ),
        )
      ).flat();
      const byPartition = new Map<number, number[]>();
      for (const m of metadata)
        byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m.offset]);
      for (const offsets of byPartition.values()) {
        assert.deepEqual(
          [...offsets].sort((a, b) => a - b),
          offsets.map((_, i) => i),
        );
      }
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      const received = await pollUntil(consumer, metadata.length);
      const next = new Map<number, number>();
      for (const m of received) {
        assert.equal(m.offset, next.get(m.partition) ?? 0, `partition ${m.partition}`);
        next.set(m.partition, m.offset + 1);
      }
      const admin = transport.createAdmin();
      t.after(() => admin.close());
      for (const p of (await admin.describeTopic(topic)).partitions) {
        assert.equal(p.highWatermark, byPartition.get(p.partition)?.length ?? 0);
      }
    });

    test('a group resumes from its committed offsets after a restart', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 2);
      const groupId = unique('group');
      const producer = transport.createProducer();
      t.after(() => producer.close());
      await producer.send(
        topic,
        Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 5}`, value: String(i) })),
      );

      const first = consumerOf(transport, groupId, { maxPollMessages: 30 });
      await first.subscribe([topic]);
      const part = await first.poll({ timeoutMs: 5000 });
      assert.ok(part.length > 0 && part.length <= 30);
      await first.commit();
      const committed = await first.committed();
      for (const c of committed) {
        const last = part.filter((m) => m.partition === c.partition).at(-1);
        assert.equal(c.offset, last ? last.offset + 1 : 0);
      }
      // Polled but not committed: must come again.
      const uncommitted = await first.poll({ timeoutMs: 5000 });
      await first.close();

      const second = consumerOf(transport, groupId);
      t.after(() => second.close());
      await second.subscribe([topic]);
      const rest = await pollUntil(second, 100 - part.length, { commit: true });
      assert.equal(rest.length, 100 - part.length);
      const all = [...part, ...rest].map((m) => Number(m.value.toString())).sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: 100 }, (_, i) => i),
      );
      for (const m of uncommitted)
        assert.ok(rest.some((r) => r.partition === m.partition && r.offset === m.offset));
      assert.deepEqual(await second.poll({ timeoutMs: 100 }), []);
    });

    test('two members split the partitions and one takes them all when the other leaves', async (t) => {
      const transport = await open(t);
      const partitions = 4;
      const topic = await topicOf(transport, partitions);
      const groupId = unique('group');
      const events: string[] = [];
      const a = consumerOf(transport, groupId, {
        clientId: 'a',
        rebalanceListener: {
          onPartitionsAssigned: (tps) => void events.push(`a+${tps.length}`),
          onPartitionsRevoked: async (tps) => {
            events.push(`a-${tps.length}`);
            await a.commit(); // still owned here: the commit must succeed
          },
        },
      });
      const b = consumerOf(transport, groupId, { clientId: 'b' });
      t.after(() => Promise.all([a.close(), b.close()]));
      await a.subscribe([topic]);
      await settle([a], partitions);
      assert.equal(a.assignment().length, partitions);
      await b.subscribe([topic]);
      await settle([a, b], partitions);
      const owners = new Set([...a.assignment(), ...b.assignment()].map(tpKey));
      assert.equal(owners.size, partitions, 'no partition owned twice');
      assert.ok(events.includes('a+4') && events.some((e) => e.startsWith('a-')), events.join(' '));

      const producer = transport.createProducer();
      t.after(() => producer.close());
      const total = 400;
      await producer.send(
        topic,
        Array.from({ length: total }, (_, i) => ({ key: `v${i % 37}`, value: String(i) })),
      );
      const got: ConsumedMessage[] = [];
      const deadline = Date.now() + rebalanceTimeoutMs;
      while (got.length < total && Date.now() < deadline) {
        for (const c of [a, b]) {
          const batch = await c.poll({ timeoutMs: 20 });
          for (const m of batch) assert.ok(c.assignment().some((p) => tpKey(p) === tpKey(m)));
          got.push(...batch);
          if (batch.length > 0) await c.commit();
        }
      }
      assert.equal(got.length, total);
      assert.ok(new Set(got.map(tpKey)).size === partitions);

      await a.close();
      await settle([b], partitions);
      assert.equal(b.assignment().length, partitions);
      await producer.send(
        topic,
        Array.from({ length: 50 }, (_, i) => ({ key: `v${i}`, value: `late ${i}` })),
      );
      const late = await pollUntil(b, 50, { commit: true });
      assert.deepEqual(
        late.map((m) => m.value.toString()).sort(),
        Array.from({ length: 50 }, (_, i) => `late ${i}`).sort(),
      );
      assert.deepEqual(await b.poll({ timeoutMs: 50 }), [], 'nothing delivered twice');
    });

    test("a rebalance listener's error reaches the caller of poll unchanged", async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 1);
      const boom = new Error('listener failed');
      let calls = 0;
      const consumer = consumerOf(transport, unique('group'), {
        rebalanceListener: {
          onPartitionsAssigned: () => {
            calls++;
            throw boom;
          },
        },
      });
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      await assert.rejects(
        pollUntil(consumer, 1, { timeoutMs: rebalanceTimeoutMs }),
        (e) => e === boom,
      );
      assert.equal(calls, 1);
      assert.equal(consumer.assignment().length, 1, 'the assignment itself went through');
      assert.deepEqual(await consumer.poll({ timeoutMs: 20 }), []);
    });

    test('seek re-reads from an earlier offset; a seek past the end resets', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 1);
      const producer = transport.createProducer();
      t.after(() => producer.close());
      await producer.send(
        topic,
        Array.from({ length: 20 }, (_, i) => ({ value: String(i) })),
      );
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      assert.equal((await pollUntil(consumer, 20)).length, 20);
      assert.equal(consumer.position(topic, 0), 20);
      consumer.seek(topic, 0, 5);
      const again = await pollUntil(consumer, 15);
      assert.deepEqual(
        again.map((m) => m.offset),
        Array.from({ length: 15 }, (_, i) => i + 5),
      );
      // Past the end: the position is invalid and autoOffsetReset (earliest) restarts it.
      consumer.seek(topic, 0, 1000);
      const reset = await pollUntil(consumer, 20);
      assert.deepEqual(
        reset.map((m) => m.offset),
        Array.from({ length: 20 }, (_, i) => i),
      );
      assert.throws(
        () => consumer.seek(topic, 7, 0),
        (e: { code?: string }) => e.code === ERROR_CODES.logNotAssigned,
      );
    });

    test('a new group starts at the earliest or latest offset per autoOffsetReset', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 1);
      const producer = transport.createProducer();
      t.after(() => producer.close());
      await producer.send(topic, [{ value: 'old-1' }, { value: 'old-2' }]);
      const earliest = consumerOf(transport, unique('early'), { autoOffsetReset: 'earliest' });
      const latest = consumerOf(transport, unique('late'), { autoOffsetReset: 'latest' });
      const none = consumerOf(transport, unique('none'), { autoOffsetReset: 'none' });
      t.after(() => Promise.all([earliest.close(), latest.close(), none.close()]));
      for (const c of [earliest, latest, none]) await c.subscribe([topic]);
      await settle([latest], 1);
      assert.deepEqual(
        (await pollUntil(earliest, 2)).map((m) => m.value.toString()),
        ['old-1', 'old-2'],
      );
      await producer.send(topic, [{ value: 'new' }]);
      assert.deepEqual(
        (await pollUntil(latest, 1)).map((m) => m.value.toString()),
        ['new'],
      );
      await rejectsWithCode(
        pollUntil(none, 1, { timeoutMs: 3000 }),
        ERROR_CODES.logOffsetOutOfRange,
      );
    });

    test('retention deletes the oldest messages and resets groups below the log start', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 1, { retentionBytes: 20_000 });
      const producer = transport.createProducer();
      t.after(() => producer.close());
      const early = consumerOf(transport, unique('early'), { autoOffsetReset: 'earliest' });
      const late = consumerOf(transport, unique('late'), { autoOffsetReset: 'latest' });
      t.after(() => Promise.all([early.close(), late.close()]));
      for (const c of [early, late]) {
        await c.subscribe([topic]);
        await settle([c], 1);
        await c.commit([{ topic, partition: 0, offset: 0 }]);
      }
      // 40 sends of 10 × 1 kB: 400 kB, twenty times the retained size.
      for (let s = 0; s < 40; s++) {
        await producer.send(
          topic,
          Array.from({ length: 10 }, (_, i) => ({ value: `${s * 10 + i}:`.padEnd(1000, '.') })),
        );
      }
      await factory.applyRetention(transport, topic);
      const admin = transport.createAdmin();
      t.after(() => admin.close());
      const [p] = (await admin.describeTopic(topic)).partitions;
      assert.ok(p);
      assert.equal(p.highWatermark, 400);
      assert.ok(p.logStartOffset > 0 && p.logStartOffset < 400, `log start ${p.logStartOffset}`);
      assert.ok(p.logStartOffset >= 400 - 200, 'most of the log is gone');

      const fromStart = await pollUntil(early, 400 - p.logStartOffset);
      assert.equal(fromStart[0]?.offset, p.logStartOffset, 'earliest: resumes at the log start');
      assert.equal(fromStart.length, 400 - p.logStartOffset);
      assert.equal(fromStart[0]?.value.toString().split(':')[0], String(p.logStartOffset));

      assert.deepEqual(await late.poll({ timeoutMs: 100 }), [], 'latest: skips to the end');
      assert.equal(late.position(topic, 0), 400);
      await producer.send(topic, [{ value: 'after' }]);
      assert.deepEqual(
        (await pollUntil(late, 1)).map((m) => m.offset),
        [400],
      );
    });

    test('deleteRecords moves the log start; groups below it are reset', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 2);
      const producer = transport.createProducer();
      t.after(() => producer.close());
      await producer.send(
        topic,
        Array.from({ length: 30 }, (_, i) => ({ value: String(i), partition: 0 })),
      );
      const admin = transport.createAdmin();
      t.after(() => admin.close());
      await admin.deleteRecords(topic, [{ partition: 0, offset: 12 }]);
      const description = await admin.describeTopic(topic);
      assert.equal(description.partitions[0]?.logStartOffset, 12);
      assert.equal(description.partitions[0]?.highWatermark, 30);
      await rejectsWithCode(
        admin.deleteRecords(topic, [{ partition: 0, offset: 31 }]),
        ERROR_CODES.logOffsetOutOfRange,
      );
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      const got = await pollUntil(consumer, 18);
      assert.deepEqual(
        got.map((m) => m.offset),
        Array.from({ length: 18 }, (_, i) => 12 + i),
      );
    });

    test('a commit for a partition the member does not own fails with COMMIT_FAILED', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 2);
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      await settle([consumer], 2);
      await consumer.commit([{ topic, partition: 1, offset: 0 }]);
      await rejectsWithCode(
        consumer.commit([{ topic: unique('other'), partition: 0, offset: 1 }]),
        ERROR_CODES.logCommitFailed,
      );
    });

    test('producer errors carry codes: unknown topic, message too large, closed', async (t) => {
      const transport = await open(t);
      const topic = await topicOf(transport, 1);
      const producer = transport.createProducer({ maxMessageBytes: 1000 });
      await rejectsWithCode(
        producer.send(unique('missing'), [{ value: 'x' }]),
        ERROR_CODES.logUnknownTopic,
      );
      await rejectsWithCode(
        producer.send(topic, [{ value: 'x'.repeat(1001) }]),
        ERROR_CODES.logMessageTooLarge,
      );
      await rejectsWithCode(
        producer.send(topic, [{ value: 5 as never }]),
        ERROR_CODES.logInvalidArgument,
      );
      await rejectsWithCode(
        producer.send(topic, [{ value: 'x', partition: 3 }]),
        ERROR_CODES.logInvalidArgument,
      );
      assert.deepEqual(await producer.send(topic, []), []);
      await producer.close();
      await rejectsWithCode(producer.send(topic, [{ value: 'x' }]), ERROR_CODES.logClosed);
      assert.throws(
        () => transport.createProducer({ lingerMS: 1 } as never),
        (e: { code?: string; message?: string }) =>
          e.code === ERROR_CODES.logInvalidArgument && /lingerMS/.test(e.message ?? ''),
      );
    });

    test('LogSink produces telemetry batches keyed by vehicle id, text or bytes', async (t) => {
      const transport = await open(t);
      const topic = unique('telemetry');
      const sink = await LogSink.open(transport, { topic, partitions: 3, maxInFlight: 2 });
      const lines: string[] = [];
      for (let tick = 0; tick < 20; tick++) {
        const keys = ['veh-a', 'veh-b', 'veh-c'];
        const values = keys.map((k) => `{"vehicle_id":"${k}","tick":${tick}}`);
        lines.push(...values);
        if (tick % 2 === 0) await sink.write({ keys, values });
        else await sink.write({ keys, values: values.map((v) => new TextEncoder().encode(v)) });
      }
      await sink.close();
      assert.equal(sink.messagesWritten, 60);
      const consumer = consumerOf(transport, unique('group'));
      t.after(() => consumer.close());
      await consumer.subscribe([topic]);
      const got = await pollUntil(consumer, 60);
      assert.deepEqual(got.map((m) => m.value.toString()).sort(), [...lines].sort());
      for (const m of got) {
        const event = JSON.parse(m.value.toString()) as { vehicle_id: string };
        assert.equal(m.key?.toString(), event.vehicle_id);
      }
      for (const key of ['veh-a', 'veh-b', 'veh-c']) {
        const ticks = got
          .filter((m) => m.key?.toString() === key)
          .map((m) => (JSON.parse(m.value.toString()) as { tick: number }).tick);
        assert.deepEqual(
          ticks,
          Array.from({ length: 20 }, (_, i) => i),
        );
      }
    });
  });
}
