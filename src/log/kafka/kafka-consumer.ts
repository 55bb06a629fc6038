// The Kafka consumer: a pull-model LogConsumer over @platformatic/kafka. The client runs
// the classic group protocol (JoinGroup / SyncGroup / Heartbeat in the background, with a
// range assignor like the embedded log's); this class owns positions and fetching: Fetch
// requests on a connection pool of their own (a long-polling fetch must not hold up
// heartbeats and commits), results buffered per partition and handed out by `poll`,
// partitions with a full buffer left out of the next fetch so memory stays bounded.
import {
  ConnectionPool,
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  type ClusterMetadata,
  type ExtendedGroupProtocolSubscription,
  type FetchOptions,
  type GroupPartitionsAssignments,
} from '@platformatic/kafka';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, LogError } from '../../errors.js';
import {
  checkOffset,
  checkTopicName,
  resolveConsumerOptions,
  type ResolvedConsumerOptions,
} from '../options.js';
import { rangeAssignTopics } from '../range-assignor.js';
import type {
  ConsumedMessage,
  ConsumerOptions,
  LogConsumer,
  PollOptions,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.js';
import { closeClient, kafkaClientOptions } from './client-options.js';
import { withDeadline } from './deadline.js';
import { protocolErrorOf, toLogError } from './kafka-errors.js';
import type { KafkaSettings } from './settings.js';

type FetchRequestTopic = FetchOptions<Buffer, Buffer, Buffer, Buffer>['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

/** A partition's buffer stops being fetched past this many bytes. */
const PARTITION_BUFFER_BYTES = 2 * 1024 * 1024;
/** Bytes a broker returns per partition per fetch (Kafka's max.partition.fetch.bytes). */
const PARTITION_FETCH_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = 16 * 1024 * 1024;
/** Longest a background fetch waits at the broker for data. */
const FETCH_WAIT_MS = 250;
/** Record batch attributes (Kafka protocol, "Record Batch"). */
const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
const CONTROL_BATCH = 0x20;
const OFFSET_OUT_OF_RANGE = 1;

interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  /** Next offset `poll` hands out; undefined until known (committed offset or reset). */
  position: number | undefined;
  /** Next offset to fetch from the broker. */
  fetchOffset: number;
  /** The position is outside the log: `autoOffsetReset` decides at the next poll. */
  outOfRange: boolean;
  queue: ConsumedMessage[];
  head: number;
  queuedBytes: number;
  /** Bumped by `seek`, so results of a fetch sent before it are dropped. */
  epoch: number;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class KafkaConsumer implements LogConsumer {
  readonly groupId: string;
  readonly #settings: KafkaSettings;
  readonly #options: ResolvedConsumerOptions;
  readonly #client: Consumer;
  readonly #fetchPool: ConnectionPool;
  readonly #onClose: () => void;
  readonly #owned = new Map<string, OwnedPartition>();
  /** Partitions whose revocation is being announced: still committable. */
  readonly #revoking = new Set<string>();
  #topics: string[] = [];
  #seenAssignments: Consumer['assignments'] | undefined;
  #rotation = 0;
  #fetching: Promise<void> | undefined;
  #backgroundError: LogError | undefined;
  #fetchFailures = 0;
  /** Bumped when results of the running fetch must be dropped. */
  #fetchEpoch = 0;
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(settings: KafkaSettings, options: ConsumerOptions, onClose: () => void) {
    this.#options = resolveConsumerOptions(options);
    this.groupId = this.#options.groupId;
    this.#settings = settings;
    this.#onClose = onClose;
    const clientId =
      this.#options.clientId === 'pitwall-consumer'
        ? `${settings.clientId}-consumer`
        : this.#options.clientId;
    const base = kafkaClientOptions(settings, clientId);
    this.#client = new Consumer({
      ...base,
      groupId: this.groupId,
      autocommit: false,
      sessionTimeout: this.#options.sessionTimeoutMs,
      heartbeatInterval: this.#options.heartbeatIntervalMs,
      // Kafka's consumers send max.poll.interval.ms as the rebalance timeout.
      rebalanceTimeout: this.#options.maxPollIntervalMs,
      protocols: [{ name: 'range', version: 1 }],
      partitionAssigner: rangeAssigner,
      isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      maxBytes: FETCH_MAX_BYTES,
    });
    // The client reports failed background rejoins as 'error' events; poll rethrows them.
    this.#client.on('error', (error: unknown) => {
      this.#backgroundError = toLogError(error, `group "${this.groupId}"`, settings.brokers);
    });
    this.#fetchPool = new ConnectionPool(clientId, {
      connectTimeout: base.connectTimeout,
      requestTimeout: base.requestTimeout,
      ...(base.tls ? { tls: base.tls } : {}),
      ...(base.tlsServerName ? { tlsServerName: base.tlsServerName } : {}),
      ...(base.sasl ? { sasl: base.sasl } : {}),
    });
  }

  async subscribe(topics: readonly string[]): Promise<void> {
    this.#checkOpen();
    const given: unknown = topics;
    if (!Array.isArray(given) || topics.length === 0) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        'subscribe needs a non-empty array of topics',
      );
    }
    for (const topic of topics) checkTopicName(topic);
    const wanted = [...new Set(topics)].sort();
    const { brokers, connectTimeoutMs, requestTimeoutMs } = this.#settings;
    const what = `subscribe group "${this.groupId}" to ${wanted.join(', ')}`;
    try {
      // Fails fast, naming the brokers, when the cluster cannot be reached at all.
      await withDeadline(
        this.#client.metadata({ topics: wanted }),
        connectTimeoutMs + requestTimeoutMs,
        what,
        brokers,
      );
      this.#client.topics.untrackAll(...this.#topics);
      for (const topic of wanted) this.#client.topics.track(topic);
      this.#topics = wanted;
      await this.#client.joinGroup({});
    } catch (error) {
      throw toLogError(error, what, brokers);
    }
  }

  async poll(options: PollOptions = {}): Promise<ConsumedMessage[]> {
    this.#checkOpen();
    const timeoutMs = options.timeoutMs ?? 0;
    const maxMessages = options.maxMessages ?? this.#options.maxPollMessages;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        'poll options.timeoutMs must be a whole number ≥ 0',
      );
    }
    if (!Number.isSafeInteger(maxMessages) || maxMessages < 1) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        'poll options.maxMessages must be a whole number ≥ 1',
      );
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#backgroundError) {
        const error = this.#backgroundError;
        this.#backgroundError = undefined;
        throw error;
      }
      await this.#reconcile();
      await this.#resolvePositions();
      const messages = this.#take(maxMessages, this.#options.maxPollBytes);
      if (messages.length > 0) {
        // Prefetch: the next poll likely finds its messages buffered.
        this.#startFetch(FETCH_WAIT_MS);
        return messages;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#closing) {
        if (timeoutMs === 0) this.#startFetch(0);
        else if (this.#fetching) {
          // Nobody polls until the next call: what the running fetch brings back would
          // reach the caller late, past retention or a reset that happen meanwhile (the
          // embedded log reads at poll time too). Its results are dropped; positions stay.
          this.#fetchEpoch++;
        }
        return [];
      }
      this.#startFetch(Math.min(left, FETCH_WAIT_MS));
      const fetching = this.#fetching;
      if (fetching) await Promise.race([fetching, sleep(left)]);
      else await sleep(Math.min(left, 20));
    }
  }

  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    // A revoke listener called by close may still commit what it processed.
    if (this.#revoking.size === 0) this.#checkOpen();
    let list: TopicPartitionOffset[];
    if (offsets === undefined) {
      list = [];
      for (const p of this.#owned.values()) {
        if (p.position !== undefined)
          list.push({ topic: p.topic, partition: p.partition, offset: p.position });
      }
    } else {
      const given: unknown = offsets;
      if (!Array.isArray(given)) {
        throw new LogError(ERROR_CODES.logInvalidArgument, 'commit offsets must be an array');
      }
      list = [...offsets];
      for (const o of list) {
        checkOffset(`commit offset of ${o.topic}-${o.partition}`, o.offset);
        const key = keyOf(o.topic, o.partition);
        if (!this.#owned.has(key) && !this.#revoking.has(key)) {
          throw new LogError(
            ERROR_CODES.logCommitFailed,
            `cannot commit ${o.topic}-${o.partition} for group "${this.groupId}": this member does not own it`,
          );
        }
      }
    }
    if (list.length === 0) return;
    try {
      await this.#client.commit({
        offsets: list.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: BigInt(o.offset),
          leaderEpoch: -1,
        })),
      });
    } catch (error) {
      const logError = toLogError(
        error,
        `commit of group "${this.groupId}"`,
        this.#settings.brokers,
      );
      throw logError;
    }
  }

  async committed(partitions?: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    this.#checkOpen();
    const list = partitions ?? this.assignment();
    if (list.length === 0) return [];
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of list)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    let committed: Map<string, bigint[]>;
    try {
      committed = await this.#client.listCommittedOffsets({
        topics: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })),
      });
    } catch (error) {
      throw toLogError(
        error,
        `committed offsets of group "${this.groupId}"`,
        this.#settings.brokers,
      );
    }
    const out: TopicPartitionOffset[] = [];
    for (const { topic, partition } of list) {
      const offset = committed.get(topic)?.[partition];
      if (offset !== undefined && offset >= 0n)
        out.push({ topic, partition, offset: Number(offset) });
    }
    return out;
  }

  seek(topic: string, partition: number, offset: number): void {
    this.#checkOpen();
    checkOffset(`seek offset of ${topic}-${partition}`, offset);
    const p = this.#owned.get(keyOf(topic, partition));
    if (!p) {
      throw new LogError(
        ERROR_CODES.logNotAssigned,
        `cannot seek ${topic}-${partition}: it is not assigned to this consumer`,
      );
    }
    p.position = offset;
    p.fetchOffset = offset;
    p.outOfRange = false;
    this.#clearQueue(p);
    p.epoch++;
  }

  position(topic: string, partition: number): number | undefined {
    return this.#owned.get(keyOf(topic, partition))?.position;
  }

  assignment(): TopicPartition[] {
    return [...this.#owned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      await this.#fetching?.catch(() => undefined);
      try {
        const owned = this.assignment();
        if (owned.length > 0 && this.#client.memberId) {
          for (const p of owned) this.#revoking.add(keyOf(p.topic, p.partition));
          try {
            await this.#options.rebalanceListener?.onPartitionsRevoked?.(owned);
          } finally {
            this.#revoking.clear();
          }
        }
      } finally {
        this.#owned.clear();
        try {
          // Leaves the group (LeaveGroup), so its partitions go to other members at once.
          await closeClient(this.#client);
        } catch {
          // Unreachable coordinator: the session timeout frees the partitions instead.
          await closeClient(this.#client).catch(() => undefined);
        } finally {
          await this.#fetchPool.close().catch(() => undefined);
          this.#onClose();
        }
      }
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#closing)
      throw new LogError(
        ERROR_CODES.logClosed,
        `the consumer of group "${this.groupId}" is closed`,
      );
  }

  /** Follows the group's assignment: revoked partitions first (still committable), then new ones. */
  async #reconcile(): Promise<void> {
    // The client replaces `assignments` when a SyncGroup answers (its generation moves
    // earlier, at JoinGroup): follow the assignment itself.
    const assignments = this.#client.assignments;
    if (assignments === this.#seenAssignments) return;
    this.#seenAssignments = assignments;
    const target = new Map<string, TopicPartition>();
    for (const a of assignments ?? []) {
      for (const partition of a.partitions)
        target.set(keyOf(a.topic, partition), { topic: a.topic, partition });
    }
    let listenerError: Error | undefined;
    const revoked = [...this.#owned.entries()].filter(([key]) => !target.has(key));
    if (revoked.length > 0) {
      for (const [key] of revoked) this.#revoking.add(key);
      try {
        await this.#notify(
          'onPartitionsRevoked',
          revoked.map(([, p]) => ({ topic: p.topic, partition: p.partition })),
        );
      } catch (error) {
        listenerError = error as Error;
      } finally {
        this.#revoking.clear();
        for (const [key] of revoked) this.#owned.delete(key);
      }
    }
    const assigned = [...target.entries()].filter(([key]) => !this.#owned.has(key));
    if (assigned.length === 0) {
      if (listenerError !== undefined) throw listenerError;
      return;
    }
    for (const [key, tp] of assigned) {
      this.#owned.set(key, {
        ...tp,
        position: undefined,
        fetchOffset: 0,
        outOfRange: false,
        queue: [],
        head: 0,
        queuedBytes: 0,
        epoch: 0,
      });
    }
    try {
      // Positions come from the group's committed offsets.
      const committed = await this.committed(assigned.map(([, tp]) => tp));
      for (const c of committed) {
        const p = this.#owned.get(keyOf(c.topic, c.partition));
        if (p && p.position === undefined) {
          p.position = p.fetchOffset = c.offset;
        }
      }
    } catch (error) {
      // Retried at the next poll: the assignment is looked at afresh.
      this.#seenAssignments = undefined;
      for (const [key] of assigned) this.#owned.delete(key);
      throw error;
    }
    if (listenerError !== undefined) throw listenerError;
    await this.#notify(
      'onPartitionsAssigned',
      assigned.map(([, tp]) => tp),
    );
  }

  async #notify(
    event: 'onPartitionsAssigned' | 'onPartitionsRevoked',
    partitions: TopicPartition[],
  ): Promise<void> {
    // A listener's error reaches the caller of poll unchanged.
    await this.#options.rebalanceListener?.[event]?.(partitions);
  }

  /** Gives partitions without a valid position one, per `autoOffsetReset`. */
  async #resolvePositions(): Promise<void> {
    const pending = [...this.#owned.values()].filter(
      (p) => p.position === undefined || p.outOfRange,
    );
    if (pending.length === 0) return;
    const policy = this.#options.autoOffsetReset;
    if (policy === 'none') {
      const p = pending[0]!;
      throw new LogError(
        ERROR_CODES.logOffsetOutOfRange,
        p.position === undefined
          ? `group "${this.groupId}" has no committed offset for ${p.topic}-${p.partition} and autoOffsetReset is none`
          : `offset ${p.position} of ${p.topic}-${p.partition} is outside the log and autoOffsetReset is none`,
      );
    }
    const byTopic: Record<string, number[]> = {};
    for (const p of pending) (byTopic[p.topic] ??= []).push(p.partition);
    let listed: Map<string, bigint[]>;
    try {
      listed = await this.#client.listOffsets({
        topics: Object.keys(byTopic),
        partitions: byTopic,
        timestamp:
          policy === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST,
      });
    } catch (error) {
      throw toLogError(error, `offset reset of group "${this.groupId}"`, this.#settings.brokers);
    }
    for (const p of pending) {
      const offset = listed.get(p.topic)?.[p.partition];
      if (offset === undefined || !this.#owned.has(keyOf(p.topic, p.partition))) continue;
      p.position = p.fetchOffset = Number(offset);
      p.outOfRange = false;
      this.#clearQueue(p);
      p.epoch++;
    }
  }

  /** Up to `maxMessages` buffered messages (and about `maxBytes`), a rotating partition first. */
  #take(maxMessages: number, maxBytes: number): ConsumedMessage[] {
    const out: ConsumedMessage[] = [];
    const owned = [...this.#owned.values()];
    if (owned.length === 0) return out;
    let bytes = 0;
    const start = this.#rotation++ % owned.length;
    for (let i = 0; i < owned.length && out.length < maxMessages && bytes < maxBytes; i++) {
      const p = owned[(start + i) % owned.length]!;
      if (p.position === undefined || p.outOfRange) continue;
      while (
        p.head < p.queue.length &&
        out.length < maxMessages &&
        (bytes < maxBytes || out.length === 0)
      ) {
        const m = p.queue[p.head]!;
        p.queue[p.head++] = undefined as unknown as ConsumedMessage;
        p.queuedBytes -= m.value.length;
        bytes += m.value.length;
        out.push(m);
        p.position = m.offset + 1;
      }
      if (p.head === p.queue.length) {
        p.queue = [];
        p.head = 0;
        p.queuedBytes = 0;
      }
    }
    return out;
  }

  #clearQueue(p: OwnedPartition): void {
    p.queue = [];
    p.head = 0;
    p.queuedBytes = 0;
  }

  /** Starts a background fetch for partitions whose buffer has room, unless one runs. */
  #startFetch(waitMs: number): void {
    if (this.#fetching || this.#closing) return;
    const wanted = [...this.#owned.values()].filter(
      (p) => p.position !== undefined && !p.outOfRange && p.queuedBytes < PARTITION_BUFFER_BYTES,
    );
    if (wanted.length === 0) return;
    this.#fetching = this.#fetch(wanted, waitMs, this.#fetchEpoch).finally(() => {
      this.#fetching = undefined;
    });
  }

  /** One Fetch per partition leader; never rejects (errors go to the next poll or are retried). */
  async #fetch(
    partitions: readonly OwnedPartition[],
    waitMs: number,
    epoch: number,
  ): Promise<void> {
    try {
      const topics = [...new Set(partitions.map((p) => p.topic))];
      const metadata = await this.#client.metadata({ topics });
      const byLeader = new Map<number, Map<string, FetchRequestTopic>>();
      const requested = new Map<string, { owned: OwnedPartition; offset: number; epoch: number }>();
      const topicOfId = new Map<string, string>();
      for (const p of partitions) {
        const info = metadata.topics.get(p.topic);
        const leader = info?.partitions[p.partition]?.leader;
        if (!info || leader === undefined || leader < 0) continue;
        topicOfId.set(info.id, p.topic);
        let topicsOfLeader = byLeader.get(leader);
        if (!topicsOfLeader)
          byLeader.set(leader, (topicsOfLeader = new Map<string, FetchRequestTopic>()));
        let request = topicsOfLeader.get(p.topic);
        if (!request) topicsOfLeader.set(p.topic, (request = { topicId: info.id, partitions: [] }));
        request.partitions.push({
          partition: p.partition,
          fetchOffset: BigInt(p.fetchOffset),
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
          partitionMaxBytes: PARTITION_FETCH_BYTES,
        });
        requested.set(keyOf(p.topic, p.partition), {
          owned: p,
          offset: p.fetchOffset,
          epoch: p.epoch,
        });
      }
      await Promise.all(
        [...byLeader].map(async ([node, requests]) => {
          let response: FetchResponse;
          try {
            response = await this.#client.fetch({
              node,
              topics: [...requests.values()],
              maxWaitTime: waitMs,
              minBytes: 1,
              maxBytes: FETCH_MAX_BYTES,
              isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
              connectionPool: this.#fetchPool,
            });
          } catch (error) {
            // Per-partition errors come as one error carrying the whole response: the
            // partitions without error still have their records.
            const partial = (error as { response?: FetchResponse }).response;
            if (!partial || !protocolErrorOf(error)) throw error;
            response = partial;
          }
          if (epoch === this.#fetchEpoch) this.#accept(response, topicOfId, requested);
        }),
      );
      this.#fetchFailures = 0;
    } catch (error) {
      if (this.#closing) return;
      const logError = toLogError(
        error,
        `fetch for group "${this.groupId}"`,
        this.#settings.brokers,
      );
      this.#client.clearMetadata();
      if (!logError.canRetry && logError.code !== ERROR_CODES.logUnknownTopic) {
        this.#backgroundError = logError;
        return;
      }
      // A broker restarting or a leader moving: wait a little and fetch again.
      this.#fetchFailures++;
      await sleep(Math.min(100 * 2 ** Math.min(this.#fetchFailures, 5), 2_000));
    }
  }

  #accept(
    response: FetchResponse,
    topicOfId: ReadonlyMap<string, string>,
    requested: ReadonlyMap<string, { owned: OwnedPartition; offset: number; epoch: number }>,
  ): void {
    for (const topicResponse of response.responses) {
      const topic = topicOfId.get(topicResponse.topicId);
      if (topic === undefined) continue;
      for (const part of topicResponse.partitions) {
        const key = keyOf(topic, part.partitionIndex);
        const request = requested.get(key);
        const p = request?.owned;
        // Dropped when the partition was revoked, sought or reset since the request.
        if (
          !p ||
          this.#owned.get(key) !== p ||
          p.epoch !== request.epoch ||
          p.fetchOffset !== request.offset
        ) {
          continue;
        }
        if (part.errorCode === OFFSET_OUT_OF_RANGE) {
          p.outOfRange = true;
          this.#clearQueue(p);
          continue;
        }
        if (part.errorCode !== 0) {
          this.#client.clearMetadata();
          continue;
        }
        for (const batch of part.records ?? []) {
          const first = Number(batch.firstOffset);
          const next = first + batch.lastOffsetDelta + 1;
          if ((batch.attributes & CONTROL_BATCH) === 0) {
            const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
            for (const record of batch.records) {
              const offset = first + record.offsetDelta;
              if (offset < p.fetchOffset) continue; // a compressed batch comes whole
              const headers = new Map<string, Buffer>();
              for (const [name, value] of record.headers) {
                headers.set(name ? name.toString('utf8') : '', value ?? Buffer.alloc(0));
              }
              const value = record.value ?? Buffer.alloc(0);
              p.queue.push({
                topic,
                partition: p.partition,
                offset,
                key: record.key ?? null,
                value,
                headers,
                timestamp: Number(
                  logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta,
                ),
              });
              p.queuedBytes += value.length;
            }
          }
          if (next > p.fetchOffset) p.fetchOffset = next;
        }
      }
    }
  }
}

/** Kafka's RangeAssignor as the client's assigner: the same split the embedded log makes. */
function rangeAssigner(
  _current: string,
  members: Map<string, ExtendedGroupProtocolSubscription>,
  topics: Set<string>,
  metadata: ClusterMetadata,
): GroupPartitionsAssignments[] {
  const subscriptions = new Map<string, string[]>();
  for (const [memberId, m] of members)
    subscriptions.set(
      memberId,
      (m.topics ?? []).filter((t) => topics.has(t)),
    );
  const counts = new Map<string, number>();
  for (const [topic, info] of metadata.topics) counts.set(topic, info.partitionsCount);
  const owners = rangeAssignTopics(subscriptions, counts);
  const result = new Map<string, GroupPartitionsAssignments>();
  for (const memberId of members.keys()) result.set(memberId, { memberId, assignments: new Map() });
  for (const [topic, byPartition] of owners) {
    byPartition.forEach((memberId, partition) => {
      const assignments = result.get(memberId)!.assignments;
      let a = assignments.get(topic);
      if (!a) assignments.set(topic, (a = { topic, partitions: [] }));
      a.partitions.push(partition);
    });
  }
  return [...result.values()];
}
