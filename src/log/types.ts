// The log interface every transport implements (embedded SQLite now, Kafka later). It
// follows Kafka's model: topics split into partitions; keyed messages with headers; per-
// partition offsets; consumer groups whose members share partitions and commit offsets.

/** Bytes as callers hand them over; a string is encoded as UTF-8. */
export type LogBytes = Buffer | Uint8Array | string;

/** Message headers in: a record or a map of name → bytes. */
export type LogHeadersInput = Readonly<Record<string, LogBytes>> | ReadonlyMap<string, LogBytes>;

/** One message to produce. */
export interface ProducerMessage {
  /** Partitioning key (Kafka's murmur2 of its bytes); `null`/absent spreads messages round-robin. */
  readonly key?: LogBytes | null;
  /** The payload, stored as the exact bytes given. */
  readonly value: LogBytes;
  readonly headers?: LogHeadersInput;
  /** Milliseconds since the epoch (Kafka's CreateTime); defaults to the time of `send`. */
  readonly timestamp?: number;
  /** Explicit partition; overrides the key's. */
  readonly partition?: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** For commits and `committed`: the offset of the next message to consume. */
  readonly offset: number;
}

/** Where one produced message landed. */
export interface RecordMetadata extends TopicPartitionOffset {
  readonly timestamp: number;
}

/**
 * One consumed message. `key`, `value` and header values are views into the fetched batch.
 * Transports never reuse that memory, so a consumer may keep the views after later polls
 * (bronze ingest writes them into its Parquet file without copying them first).
 */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Position in its partition: 0, 1, 2, … with no gaps (retention removes a prefix only). */
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: ReadonlyMap<string, Buffer>;
  readonly timestamp: number;
}

export interface LogProducer {
  /**
   * Queues messages for `topic` and resolves once they are durably appended, with each
   * message's partition and offset (same order as `messages`). Waits first while the
   * producer's buffer is full (backpressure). Messages with one key keep their order.
   */
  send(topic: string, messages: readonly ProducerMessage[]): Promise<RecordMetadata[]>;
  /** Writes everything queued so far now, ignoring `lingerMs`; resolves when it is appended. */
  flush(): Promise<void>;
  /** Flushes, then releases the producer; later sends fail with `PITWALL_ERR_LOG_CLOSED`. */
  close(): Promise<void>;
}

/** What a consumer does where it has no valid position (new group, or retention passed it). */
export const AUTO_OFFSET_RESETS = ['earliest', 'latest', 'none'] as const;
export type AutoOffsetReset = (typeof AUTO_OFFSET_RESETS)[number];

/** Called inside `poll` when the group's assignment changes. */
export interface RebalanceListener {
  /** Partitions just claimed; positions come from committed offsets. */
  onPartitionsAssigned?(partitions: readonly TopicPartition[]): void | Promise<void>;
  /**
   * Partitions about to be handed to another member (or lost, when this member expired).
   * Still owned here: commit what was processed. Not called for lost partitions' commits.
   */
  onPartitionsRevoked?(partitions: readonly TopicPartition[]): void | Promise<void>;
}

export interface PollOptions {
  /** Longest wait for at least one message, ms; 0 returns at once. */
  readonly timeoutMs?: number;
  /** At most this many messages (overrides the consumer's `maxPollMessages`). */
  readonly maxMessages?: number;
}

export interface LogConsumer {
  readonly groupId: string;
  /** Joins the group with these topics (replacing an earlier subscription). */
  subscribe(topics: readonly string[]): Promise<void>;
  /**
   * Fetches the next messages of the partitions this member owns, from each partition's
   * position, and advances the positions. Rebalances happen here. Resolves with `[]` when
   * nothing arrived within `timeoutMs`.
   */
  poll(options?: PollOptions): Promise<ConsumedMessage[]>;
  /**
   * Commits offsets for the group: the given ones, or else the current position of every
   * owned partition. Fails with `PITWALL_ERR_LOG_COMMIT_FAILED` for a partition this member
   * no longer owns.
   */
  commit(offsets?: readonly TopicPartitionOffset[]): Promise<void>;
  /** The group's committed offsets of these partitions (or of every owned one); absent when none. */
  committed(partitions?: readonly TopicPartition[]): Promise<TopicPartitionOffset[]>;
  /** Moves an owned partition's position; the next poll reads from there. */
  seek(topic: string, partition: number, offset: number): void;
  /** The position (next offset to fetch) of an owned partition, if known yet. */
  position(topic: string, partition: number): number | undefined;
  /** Partitions this member owns now. */
  assignment(): TopicPartition[];
  /** Leaves the group (its partitions go to other members at once) and releases resources. */
  close(): Promise<void>;
}

export interface CreateTopicOptions {
  readonly partitions: number;
  /** Copies of each partition; accepted and recorded, ignored by the embedded log. */
  readonly replicationFactor?: number;
  /** Delete messages older than this (ms); `null` keeps them forever. */
  readonly retentionMs?: number | null;
  /** Per partition: delete the oldest messages while more than this many bytes remain; `null`: no limit. */
  readonly retentionBytes?: number | null;
  /** Resolve with `false` instead of failing when the topic exists. */
  readonly ifNotExists?: boolean;
}

export interface PartitionDescription {
  readonly partition: number;
  /** Offset of the oldest message kept. */
  readonly logStartOffset: number;
  /** Offset the next message will get. */
  readonly highWatermark: number;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: readonly PartitionDescription[];
  readonly replicationFactor: number;
  readonly retentionMs: number | null;
  readonly retentionBytes: number | null;
}

export interface GroupMemberDescription {
  readonly memberId: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  readonly assignment: readonly TopicPartition[];
}

export interface GroupDescription {
  readonly groupId: string;
  readonly generation: number;
  readonly members: readonly GroupMemberDescription[];
  /** Committed offsets with the lag behind each partition's high watermark. */
  readonly offsets: readonly (TopicPartitionOffset & { readonly lag: number })[];
}

export interface LogAdmin {
  /** Creates a topic; resolves `true`, or `false` when it existed and `ifNotExists` was set. */
  createTopic(topic: string, options: CreateTopicOptions): Promise<boolean>;
  listTopics(): Promise<string[]>;
  describeTopic(topic: string): Promise<TopicDescription>;
  /** Deletes a topic with its messages and the groups' committed offsets for it. */
  deleteTopic(topic: string): Promise<void>;
  /** Moves partitions' log start forward to `offset`, deleting what lies before (Kafka's DeleteRecords). */
  deleteRecords(
    topic: string,
    offsets: readonly { partition: number; offset: number }[],
  ): Promise<void>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  readonly clientId?: string;
  /** Wait this long for more messages before writing a batch, ms (Kafka's linger.ms). */
  readonly lingerMs?: number;
  /** Write as soon as this many bytes are queued (Kafka's batch.size). */
  readonly batchBytes?: number;
  /** Past this many queued bytes, `send` waits for a write to finish (Kafka's buffer.memory). */
  readonly maxBufferedBytes?: number;
  /** Larger messages (key + value + headers) are refused (Kafka's max.request.size). */
  readonly maxMessageBytes?: number;
  /** Retries of a write that failed with a `canRetry` error. */
  readonly retries?: number;
  /** First wait before a retry, ms; doubles each time. */
  readonly retryBackoffMs?: number;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly clientId?: string;
  readonly autoOffsetReset?: AutoOffsetReset;
  /** A member that sends no heartbeat for this long loses its partitions, ms. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** A member that does not poll for this long leaves the group, ms. */
  readonly maxPollIntervalMs?: number;
  /** Default cap on messages per poll (Kafka's max.poll.records). */
  readonly maxPollMessages?: number;
  /** Soft cap on value bytes per poll (at least one message is returned). */
  readonly maxPollBytes?: number;
  readonly rebalanceListener?: RebalanceListener;
}

/**
 * A log transport: the factory of producers, consumers and admins of one log (a folder
 * for the embedded log, a cluster for Kafka). Every implementation passes the shared
 * suite in `test/log/transport-suite.ts`.
 *
 * @example
 * ```ts
 * const log = new EmbeddedLog({ dir: '.pitwall/log' });
 * const admin = log.createAdmin();
 * await admin.createTopic('telemetry', { partitions: 4, ifNotExists: true });
 * const producer = log.createProducer();
 * await producer.send('telemetry', [{ key: 'veh-1', value: '{"speed_kmh":42}' }]);
 * const consumer = log.createConsumer({ groupId: 'bronze' });
 * await consumer.subscribe(['telemetry']);
 * const messages = await consumer.poll({ timeoutMs: 1000 });
 * await consumer.commit();
 * await Promise.all([producer.close(), consumer.close(), admin.close()]);
 * await log.close();
 * ```
 */
export interface LogTransport {
  /** `embedded` or `kafka`. */
  readonly kind: string;
  createProducer(options?: ProducerOptions): LogProducer;
  createConsumer(options: ConsumerOptions): LogConsumer;
  createAdmin(): LogAdmin;
  /** Closes every producer, consumer and admin it created that is still open. */
  close(): Promise<void>;
}
