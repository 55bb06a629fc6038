// LogAdmin over Kafka's admin APIs: CreateTopics (retention as topic configs), Metadata,
// ListOffsets (log start = EARLIEST, high watermark = LATEST), DescribeConfigs, DeleteTopics,
// DeleteRecords, DescribeGroups + OffsetFetch for groups.
import { Admin, ConfigResourceTypes, ListOffsetTimestamps } from '@platformatic/kafka';
import { ERROR_CODES, LogError } from '../../errors.js';
import { checkOffset, checkPartition, checkTopicName, resolveTopicOptions } from '../options.js';
import type {
  CreateTopicOptions,
  GroupDescription,
  LogAdmin,
  PartitionDescription,
  TopicDescription,
  TopicPartition,
} from '../types.js';
import { kafkaClientOptions } from './client-options.js';
import { withDeadline } from './deadline.js';
import { toLogError } from './kafka-errors.js';
import type { KafkaSettings } from './settings.js';

export class KafkaAdmin implements LogAdmin {
  readonly #settings: KafkaSettings;
  readonly #client: Admin;
  readonly #onClose: () => void;
  #closed = false;

  constructor(settings: KafkaSettings, onClose: () => void) {
    this.#settings = settings;
    this.#onClose = onClose;
    this.#client = new Admin({
      ...kafkaClientOptions(settings, `${settings.clientId}-admin`),
      // The client's schema of createTopics options (1.35) lacks `configs`, which its types
      // and request code support; Pitwall checks every option itself before the call.
      strict: false,
    });
  }

  /** Runs one admin call within the connect + request timeout, with errors as LogErrors. */
  async #call<T>(what: string, run: (client: Admin) => Promise<T>): Promise<T> {
    if (this.#closed) throw new LogError(ERROR_CODES.logClosed, 'the admin is closed');
    const { brokers, connectTimeoutMs, requestTimeoutMs } = this.#settings;
    try {
      return await withDeadline(
        run(this.#client),
        connectTimeoutMs + requestTimeoutMs,
        what,
        brokers,
      );
    } catch (error) {
      throw toLogError(error, what, brokers);
    }
  }

  async createTopic(topic: string, options: CreateTopicOptions): Promise<boolean> {
    const resolved = resolveTopicOptions(topic, options);
    const configs = new Map<string, string>(Object.entries(this.#settings.topicConfigs ?? {}));
    // Kafka's own defaults are 7 days and unlimited; "keep forever" is -1 in both.
    configs.set('retention.ms', String(resolved.retentionMs ?? -1));
    configs.set('retention.bytes', String(resolved.retentionBytes ?? -1));
    const replicas = options.replicationFactor ?? this.#settings.replicationFactor;
    try {
      await this.#call(`createTopic "${topic}"`, (client) =>
        client.createTopics({
          topics: [topic],
          partitions: resolved.partitions,
          replicas,
          configs: [...configs].map(([name, value]) => ({ name, value })),
        }),
      );
    } catch (error) {
      if (resolved.ifNotExists && (error as LogError).code === ERROR_CODES.logTopicExists) {
        return false;
      }
      if ((error as LogError).code === ERROR_CODES.logTopicExists) {
        throw new LogError(ERROR_CODES.logTopicExists, `topic "${topic}" already exists`, {
          cause: error,
        });
      }
      throw error;
    }
    return true;
  }

  async listTopics(): Promise<string[]> {
    const topics = await this.#call('listTopics', (client) => client.listTopics());
    return topics.filter((t) => !t.startsWith('__')).sort();
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    checkTopicName(topic);
    const what = `describeTopic "${topic}"`;
    const metadata = await this.#call(what, (client) =>
      client.metadata({ topics: [topic], forceUpdate: true }),
    );
    const info = metadata.topics.get(topic);
    if (!info) throw new LogError(ERROR_CODES.logUnknownTopic, `topic "${topic}" does not exist`);
    const partitions = Array.from({ length: info.partitionsCount }, (_, i) => i);
    const offsetsAt = async (timestamp: bigint): Promise<Map<number, number>> => {
      const listed = await this.#call(what, (client) =>
        client.listOffsets({
          topics: [
            {
              name: topic,
              partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
            },
          ],
        }),
      );
      const out = new Map<number, number>();
      for (const t of listed)
        for (const p of t.partitions) out.set(p.partitionIndex, Number(p.offset));
      return out;
    };
    const [starts, ends, configs] = await Promise.all([
      offsetsAt(ListOffsetTimestamps.EARLIEST),
      offsetsAt(ListOffsetTimestamps.LATEST),
      this.#call(what, (client) =>
        client.describeConfigs({
          resources: [
            {
              resourceType: ConfigResourceTypes.TOPIC,
              resourceName: topic,
              configurationKeys: ['retention.ms', 'retention.bytes'],
            },
          ],
        }),
      ),
    ]);
    const config = new Map<string, string | null>();
    for (const c of configs[0]?.configs ?? []) config.set(c.name, c.value ?? null);
    const limit = (name: string): number | null => {
      const value = Number(config.get(name) ?? -1);
      return Number.isFinite(value) && value >= 0 ? value : null;
    };
    const described: PartitionDescription[] = partitions.map((partition) => ({
      partition,
      logStartOffset: starts.get(partition) ?? 0,
      highWatermark: ends.get(partition) ?? 0,
    }));
    return {
      name: topic,
      partitions: described,
      replicationFactor: info.partitions[0]?.replicas.length ?? 0,
      retentionMs: limit('retention.ms'),
      retentionBytes: limit('retention.bytes'),
    };
  }

  async deleteTopic(topic: string): Promise<void> {
    checkTopicName(topic);
    await this.#call(`deleteTopic "${topic}"`, (client) =>
      client.deleteTopics({ topics: [topic] }),
    );
  }

  async deleteRecords(
    topic: string,
    offsets: readonly { partition: number; offset: number }[],
  ): Promise<void> {
    checkTopicName(topic);
    const given: unknown = offsets;
    if (!Array.isArray(given)) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        `deleteRecords("${topic}") needs an array`,
      );
    }
    for (const { partition, offset } of offsets) {
      checkPartition(topic, partition);
      checkOffset(`deleteRecords offset of ${topic}-${partition}`, offset);
    }
    if (offsets.length === 0) return;
    await this.#call(`deleteRecords "${topic}"`, (client) =>
      client.deleteRecords({
        topics: [
          {
            name: topic,
            partitions: offsets.map(({ partition, offset }) => ({
              partition,
              offset: BigInt(offset),
            })),
          },
        ],
      }),
    );
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    if (typeof groupId !== 'string' || groupId === '') {
      throw new LogError(ERROR_CODES.logInvalidArgument, 'describeGroup needs a group id');
    }
    const what = `describeGroup "${groupId}"`;
    const [groups, committed] = await Promise.all([
      this.#call(what, (client) => client.describeGroups({ groups: [groupId] })),
      this.#call(what, (client) => client.listConsumerGroupOffsets({ groups: [groupId] })),
    ]);
    const group = groups.get(groupId);
    const members = [...(group?.members.values() ?? [])].map((m) => {
      const assignment: TopicPartition[] = [];
      for (const a of m.assignments?.values() ?? []) {
        for (const partition of a.partitions) assignment.push({ topic: a.topic, partition });
      }
      return {
        memberId: m.id,
        clientId: m.clientId,
        topics: [...(m.metadata?.topics ?? [])],
        assignment,
      };
    });
    const offsets: (TopicPartition & { offset: number; lag: number })[] = [];
    const byTopic = new Map<string, { partition: number; offset: number }[]>();
    for (const g of committed) {
      for (const t of g.topics) {
        for (const p of t.partitions) {
          if (p.committedOffset < 0n) continue;
          const list = byTopic.get(t.name) ?? [];
          list.push({ partition: p.partitionIndex, offset: Number(p.committedOffset) });
          byTopic.set(t.name, list);
        }
      }
    }
    if (byTopic.size > 0) {
      const ends = await this.#call(what, (client) =>
        client.listOffsets({
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map(({ partition }) => ({
              partitionIndex: partition,
              timestamp: ListOffsetTimestamps.LATEST,
            })),
          })),
        }),
      );
      const end = new Map<string, number>();
      for (const t of ends)
        for (const p of t.partitions) end.set(`${t.name}/${p.partitionIndex}`, Number(p.offset));
      for (const [topic, list] of byTopic) {
        for (const { partition, offset } of list) {
          const hw = end.get(`${topic}/${partition}`) ?? offset;
          offsets.push({ topic, partition, offset, lag: Math.max(0, hw - offset) });
        }
      }
    }
    offsets.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    // Kafka's DescribeGroups does not report the generation; -1 says "not known".
    return { groupId, generation: -1, members, offsets };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#client.close();
    } finally {
      this.#onClose();
    }
  }
}
