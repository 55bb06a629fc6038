// A broker restart in the middle of a stream: a producer sends numbered messages without
// pause while a consumer group reads and commits; the broker (its own, on port 19192,
// started --fresh) is stopped and started again. Afterwards every acknowledged message must
// have been consumed, and the log must hold each one once (idempotent producer).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPitwallError } from '../../src/errors.js';
import { KafkaTransport } from '../../src/log/kafka/kafka-transport.js';
import { startTestBroker, stopTestBroker, testSettings } from './broker.js';

export const RESTART_PORT = 19192;

export interface RestartReport {
  readonly produced: number;
  readonly failedSends: number;
  readonly sentDuringOutage: number;
  readonly sendRetries: number;
  readonly consumed: number;
  readonly missing: number;
  readonly duplicatesConsumed: number;
  readonly duplicatesInLog: number;
  readonly downtimeMs: number;
}

export async function runRestartScenario(): Promise<RestartReport> {
  const broker = await startTestBroker({ port: RESTART_PORT, fresh: true });
  const transport = new KafkaTransport(
    testSettings(broker.brokers, { connectTimeoutMs: 3_000, requestTimeoutMs: 10_000 }),
  );
  try {
    const topic = `restart-${randomUUID().slice(0, 8)}`;
    const admin = transport.createAdmin();
    await admin.createTopic(topic, { partitions: 3 });
    await admin.close();
    // Enough retries to ride out a broker restart (~10–20 s on 2 cores).
    const producer = transport.createProducer({ retries: 60, retryBackoffMs: 250, lingerMs: 5 });
    const consumer = transport.createConsumer({
      groupId: `restart-${randomUUID().slice(0, 8)}`,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 1_000,
    });
    await consumer.subscribe([topic]);

    const acked = new Set<number>();
    let failedSends = 0;
    let sentDuringOutage = 0;
    let outage = false;
    let stopProducing = false;
    let seq = 0;
    const produce = (async () => {
      while (!stopProducing) {
        const batch = Array.from({ length: 50 }, () => seq++);
        const wasDown = outage;
        try {
          await producer.send(
            topic,
            batch.map((n) => ({ key: `veh-${n % 17}`, value: `seq:${n}` })),
          );
          for (const n of batch) acked.add(n);
          if (wasDown || outage) sentDuringOutage += batch.length;
        } catch {
          failedSends++;
        }
        await sleep(10);
      }
    })();

    const seen = new Map<number, number>();
    let stopConsuming = false;
    const consume = (async () => {
      while (!stopConsuming) {
        try {
          const messages = await consumer.poll({ timeoutMs: 200 });
          for (const m of messages) {
            const n = Number(m.value.toString().slice(4));
            seen.set(n, (seen.get(n) ?? 0) + 1);
          }
          if (messages.length > 0) await consumer.commit();
        } catch (error) {
          // Commits and fetches fail while the broker is away; retriable, so go on.
          if (!isPitwallError(error) || !error.canRetry) throw error;
          await sleep(200);
        }
      }
    })();

    await sleep(3_000);
    const down = Date.now();
    outage = true;
    await stopTestBroker(RESTART_PORT);
    await sleep(1_000);
    await startTestBroker({ port: RESTART_PORT });
    const downtimeMs = Date.now() - down;
    outage = false;
    await sleep(4_000);
    stopProducing = true;
    await produce;

    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && [...acked].some((n) => !seen.has(n))) await sleep(200);
    stopConsuming = true;
    await consume;
    await consumer.close();
    await producer.close();

    // Read the whole topic again with a new group: each number must be there once.
    const reader = transport.createConsumer({ groupId: `audit-${randomUUID().slice(0, 8)}` });
    await reader.subscribe([topic]);
    const inLog = new Map<number, number>();
    let idle = 0;
    while (idle < 5) {
      const messages = await reader.poll({ timeoutMs: 500 });
      idle = messages.length === 0 ? idle + 1 : 0;
      for (const m of messages) {
        const n = Number(m.value.toString().slice(4));
        inLog.set(n, (inLog.get(n) ?? 0) + 1);
      }
    }
    await reader.close();
    return {
      produced: acked.size,
      failedSends,
      sentDuringOutage,
      sendRetries: 0,
      consumed: seen.size,
      missing: [...acked].filter((n) => !seen.has(n)).length,
      duplicatesConsumed: [...seen.values()].filter((c) => c > 1).length,
      duplicatesInLog: [...inLog.values()].filter((c) => c > 1).length,
      downtimeMs,
    };
  } finally {
    await transport.close().catch(() => undefined);
    await stopTestBroker(RESTART_PORT);
  }
}
