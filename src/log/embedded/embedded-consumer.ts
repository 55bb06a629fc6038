// The embedded log's consumer: a group member that heartbeats into the shared database,
// hands partitions over cooperatively on rebalance (see group-store.ts), and fetches
// batches from its partitions' positions inside one read transaction per poll.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, LogError } from '../../errors.js';
import {
  checkOffset,
  checkOptions,
  checkPartition,
  checkTopicName,
  type OptionSpec,
  type ResolvedConsumerOptions,
} from '../options.js';
import type {
  ConsumedMessage,
  LogConsumer,
  PollOptions,
  TopicPartition,
  TopicPartitionOffset,
} from '../types.js';
import {
  openDatabase,
  readTransaction,
  toLogError,
  type DatabaseSettings,
  type SqliteDatabase,
} from './database.js';
import { GroupStore } from './group-store.js';
import { LogStore, type PartitionState } from './log-store.js';
import { batchStart, decodeRecords, verifyBatch, type BatchCursor } from './record-batch.js';

/** Longest pause between two looks at the log while a poll waits for messages, ms. */
const IDLE_PAUSE_MAX_MS = 50;
const DEFAULT_POLL_TIMEOUT_MS = 1000;

const POLL_SPEC = {
  timeoutMs: { type: 'integer', min: 0, max: 2_147_483_647 },
  maxMessages: { type: 'integer', min: 1, max: 10_000_000 },
} as const satisfies OptionSpec;

interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: number;
  /** Next offset to fetch; undefined until a committed offset or the reset policy sets it. */
  position: number | undefined;
  /** The batch read last, kept while the position is inside it (a poll can end mid-batch). */
  batch:
    | { readonly buf: Buffer; readonly base: number; readonly count: number; cursor: BatchCursor }
    | undefined;
}

/** Runs `fn` now; its result or exception as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Errors thrown by rebalance listeners, passed through `poll` as they are. */
const LISTENER_ERRORS = new WeakSet<Error>();

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class EmbeddedConsumer implements LogConsumer {
  readonly groupId: string;
  readonly #options: ResolvedConsumerOptions;
  readonly #db: SqliteDatabase;
  readonly #log: LogStore;
  readonly #groups: GroupStore;
  readonly #onClose: () => void;
  readonly #owned = new Map<string, OwnedPartition>();
  #memberId: string | undefined;
  #topics: readonly string[] = [];
  /** Registered in the group; false after expiry or leaving, until the next poll rejoins. */
  #member = false;
  /** The group generation last reconciled with; -1 forces a reconcile. */
  #generation = -1;
  /** Partitions assigned here but still owned by a member that has not released them. */
  #waiting = 0;
  #lastHeartbeatMs = 0;
  #lastPollMs = Date.now();
  #rotation = 0;
  #timer: NodeJS.Timeout | undefined;
  #backgroundError: LogError | undefined;
  #polling: Promise<unknown> | undefined;
  #closing = false;
  #released = false;
  #closed: Promise<void> | undefined;

  constructor(settings: DatabaseSettings, options: ResolvedConsumerOptions, onClose: () => void) {
    this.groupId = options.groupId;
    this.#options = options;
    this.#db = openDatabase(settings);
    this.#log = new LogStore(this.#db);
    this.#groups = new GroupStore(this.#db, this.#log);
    this.#onClose = onClose;
  }

  /** This member's id in the group (changes when it rejoins after expiring). */
  get memberId(): string | undefined {
    return this.#memberId;
  }

  subscribe(topics: readonly string[]): Promise<void> {
    return settle(() => this.#subscribe(topics));
  }

  #subscribe(topics: readonly string[]): void {
    this.#assertOpen();
    if (!Array.isArray(topics) || topics.length === 0) {
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        'subscribe needs a non-empty array of topic names',
      );
    }
    for (const topic of topics) checkTopicName(topic);
    this.#topics = [...new Set(topics)];
    this.#join();
    this.#timer ??= setInterval(
      () => this.#backgroundHeartbeat(),
      this.#options.heartbeatIntervalMs,
    ).unref();
  }

  async poll(options: PollOptions = {}): Promise<ConsumedMessage[]> {
    this.#assertOpen();
    if (this.#memberId === undefined) {
      throw new LogError(ERROR_CODES.logInvalidArgument, 'subscribe to topics before polling');
    }
    if (this.#polling)
      throw new LogError(
        ERROR_CODES.logInvalidArgument,
        'a poll of this consumer is already running',
      );
    checkOptions('poll options', options, POLL_SPEC);
    const run = this.#pollLoop(
      options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
      options.maxMessages ?? this.#options.maxPollMessages,
    );
    this.#polling = run;
    try {
      return await run;
    } finally {
      this.#polling = undefined;
    }
  }

  commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    return settle(() => this.#commit(offsets));
  }

  #commit(offsets: readonly TopicPartitionOffset[] | undefined): void {
    this.#assertUsable();
    if (this.#memberId === undefined) {
      throw new LogError(ERROR_CODES.logInvalidArgument, 'subscribe to topics before committing');
    }
    let list: TopicPartitionOffset[];
    if (offsets === undefined) {
      list = [];
      for (const p of this.#owned.values()) {
        if (p.position !== undefined)
          list.push({ topic: p.topic, partition: p.partition, offset: p.position });
      }
    } else {
      if (!Array.isArray(offsets))
        throw new LogError(ERROR_CODES.logInvalidArgument, 'commit needs an array of offsets');
      list = offsets.map(({ topic, partition, offset }) => {
        checkTopicName(topic);
        checkPartition(topic, partition);
        checkOffset(`commit offset of ${topic}-${partition}`, offset);
        return { topic, partition, offset };
      });
    }
    if (list.length === 0) return;
    try {
      this.#groups.commit(this.groupId, this.#memberId, list, Date.now());
    } catch (error) {
      throw toLogError(error, `commit for group "${this.groupId}" failed`);
    }
  }

  committed(partitions?: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return settle(() => {
      this.#assertUsable();
      const result: TopicPartitionOffset[] = [];
      for (const { topic, partition } of partitions ?? this.assignment()) {
        const offset = this.#groups.committed(this.groupId, topic, partition);
        if (offset !== undefined) result.push({ topic, partition, offset });
      }
      return result;
    });
  }

  seek(topic: string, partition: number, offset: number): void {
    this.#assertOpen();
    checkOffset(`seek offset of ${topic}-${partition}`, offset);
    const owned = this.#owned.get(keyOf(topic, partition));
    if (!owned) {
      throw new LogError(
        ERROR_CODES.logNotAssigned,
        `cannot seek ${topic}-${partition}: it is not assigned to this consumer`,
      );
    }
    owned.position = offset;
    owned.batch = undefined;
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
      clearInterval(this.#timer);
      await this.#polling?.catch(() => undefined);
      try {
        if (this.#member && this.#memberId !== undefined) {
          const owned = this.assignment();
          if (owned.length > 0) await this.#options.rebalanceListener?.onPartitionsRevoked?.(owned);
          try {
            this.#groups.leave(this.groupId, this.#memberId);
          } catch {
            // The log is busy: the session timeout frees the partitions instead.
          }
        }
      } finally {
        this.#owned.clear();
        this.#released = true;
        this.#db.close();
        this.#onClose();
      }
    })();
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #pollLoop(timeoutMs: number, maxMessages: number): Promise<ConsumedMessage[]> {
    const deadline = Date.now() + timeoutMs;
    let pause = 1;
    for (;;) {
      this.#lastPollMs = Date.now();
      await this.#maintainMembership();
      if (this.#closing) return [];
      const messages = this.#fetch(maxMessages, this.#options.maxPollBytes);
      if (messages.length > 0) return messages;
      const left = deadline - Date.now();
      if (left <= 0 || this.#closing) return [];
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, IDLE_PAUSE_MAX_MS);
      if (this.#closing) return [];
    }
  }

  /** Heartbeats when due, rejoins after expiry, and follows the group's assignment. */
  async #maintainMembership(): Promise<void> {
    if (this.#backgroundError) {
      const error = this.#backgroundError;
      this.#backgroundError = undefined;
      throw error;
    }
    try {
      if (this.#member && Date.now() - this.#lastHeartbeatMs >= this.#options.heartbeatIntervalMs) {
        this.#heartbeat();
      }
      if (!this.#member) await this.#rejoin();
      const generation = this.#groups.generation(this.groupId);
      if (generation !== this.#generation || this.#waiting > 0)
        await this.#reconcile(generation ?? -1);
    } catch (error) {
      // A rebalance listener's own error reaches the caller of poll unchanged.
      if (error instanceof Error && LISTENER_ERRORS.has(error)) throw error;
      throw toLogError(error, `group "${this.groupId}"`);
    }
  }

  /** Calls a rebalance listener, marking what it throws as the listener's, not the log's. */
  async #notify(
    event: 'onPartitionsAssigned' | 'onPartitionsRevoked',
    partitions: readonly TopicPartition[],
  ): Promise<void> {
    try {
      await this.#options.rebalanceListener?.[event]?.(partitions);
    } catch (error) {
      const wrapped = error instanceof Error ? error : new Error(String(error));
      LISTENER_ERRORS.add(wrapped);
      throw wrapped;
    }
  }

  #join(): void {
    this.#memberId ??= `${this.#options.clientId}-${randomUUID()}`;
    try {
      this.#groups.join(
        {
          groupId: this.groupId,
          memberId: this.#memberId,
          clientId: this.#options.clientId,
          topics: this.#topics,
          sessionTimeoutMs: this.#options.sessionTimeoutMs,
        },
        Date.now(),
      );
    } catch (error) {
      throw toLogError(error, `cannot join group "${this.groupId}"`);
    }
    this.#member = true;
    this.#lastHeartbeatMs = Date.now();
    this.#generation = -1;
  }

  /** This member expired or left: its partitions are lost; it joins again with a new id. */
  async #rejoin(): Promise<void> {
    const lost = this.assignment();
    this.#owned.clear();
    if (lost.length > 0) await this.#notify('onPartitionsRevoked', lost);
    this.#memberId = undefined;
    this.#join();
  }

  #heartbeat(): void {
    const now = Date.now();
    this.#member = this.#groups.heartbeat(this.groupId, this.#memberId!, now);
    this.#lastHeartbeatMs = now;
  }

  #backgroundHeartbeat(): void {
    if (this.#closing || !this.#member || this.#memberId === undefined) return;
    const now = Date.now();
    try {
      // Kafka's max.poll.interval.ms: a member that stopped polling leaves, so its
      // partitions move to members that still make progress.
      if (this.#polling === undefined && now - this.#lastPollMs > this.#options.maxPollIntervalMs) {
        this.#groups.leave(this.groupId, this.#memberId);
        this.#member = false;
        return;
      }
      if (now - this.#lastHeartbeatMs >= this.#options.heartbeatIntervalMs / 2) this.#heartbeat();
    } catch (error) {
      // A busy log skips one heartbeat; the session timeout allows for several.
      const logError = toLogError(error, `heartbeat of group "${this.groupId}" failed`);
      if (!logError.canRetry) this.#backgroundError = logError;
    }
  }

  /**
   * Releases partitions no longer assigned here (after the revoke listener had its chance
   * to commit), then claims newly assigned ones that their previous owner released.
   */
  async #reconcile(generation: number): Promise<void> {
    const memberId = this.#memberId!;
    const rows = this.#groups.partitionsOf(this.groupId, memberId);
    const mine = new Set(
      rows.filter((r) => r.assigned_to === memberId).map((r) => keyOf(r.topic, r.partition)),
    );
    const stillOwned = new Set(
      rows.filter((r) => r.owner === memberId).map((r) => keyOf(r.topic, r.partition)),
    );
    const revoked: OwnedPartition[] = [];
    for (const [key, p] of this.#owned) {
      if (!stillOwned.has(key)) this.#owned.delete(key);
      else if (!mine.has(key)) revoked.push(p);
    }
    let listenerError: Error | undefined;
    if (revoked.length > 0) {
      const partitions = revoked.map(({ topic, partition }) => ({ topic, partition }));
      try {
        await this.#notify('onPartitionsRevoked', partitions);
      } catch (error) {
        listenerError = error as Error;
      }
      this.#groups.release(this.groupId, memberId, partitions);
      for (const p of revoked) this.#owned.delete(keyOf(p.topic, p.partition));
    }
    const claim = this.#groups.claim(this.groupId, memberId);
    if (!claim.member) {
      this.#member = false;
      if (listenerError !== undefined) throw listenerError;
      return;
    }
    for (const c of claim.claimed) {
      this.#owned.set(keyOf(c.topic, c.partition), {
        topic: c.topic,
        partition: c.partition,
        topicId: c.topicId,
        position: c.committed,
        batch: undefined,
      });
    }
    this.#waiting = claim.waiting;
    this.#generation = generation;
    if (listenerError !== undefined) throw listenerError;
    if (claim.claimed.length > 0) {
      await this.#notify(
        'onPartitionsAssigned',
        claim.claimed.map(({ topic, partition }) => ({ topic, partition })),
      );
    }
  }

  /** Reads from owned partitions, starting at a rotating one so none is starved. */
  #fetch(maxMessages: number, maxBytes: number): ConsumedMessage[] {
    const out: ConsumedMessage[] = [];
    const owned = [...this.#owned.values()];
    if (owned.length === 0) return out;
    const start = this.#rotation++ % owned.length;
    const stale: OwnedPartition[] = [];
    let bytes = 0;
    try {
      readTransaction(this.#db, () => {
        for (let i = 0; i < owned.length && out.length < maxMessages && bytes < maxBytes; i++) {
          const p = owned[(start + i) % owned.length]!;
          const state = this.#log.partitionState(p.topicId, p.partition);
          if (!state) {
            stale.push(p);
            continue;
          }
          bytes += this.#fetchPartition(p, state, maxMessages - out.length, maxBytes - bytes, out);
        }
      });
    } catch (error) {
      throw toLogError(error, `cannot read the log for group "${this.groupId}"`);
    }
    if (stale.length > 0) {
      // The topic was deleted (and maybe made again) since the claim: give the partition
      // back so the next reconcile claims it afresh, with the new topic's tables.
      for (const p of stale) this.#owned.delete(keyOf(p.topic, p.partition));
      this.#groups.release(this.groupId, this.#memberId!, stale);
      this.#generation = -1;
    }
    return out;
  }

  #fetchPartition(
    p: OwnedPartition,
    state: PartitionState,
    maxMessages: number,
    maxBytes: number,
    out: ConsumedMessage[],
  ): number {
    let position = p.position;
    if (position === undefined || position < state.logStartOffset || position > state.nextOffset) {
      position = this.#resetPosition(p, position, state);
    }
    if (position >= state.nextOffset) return 0;
    let bytes = 0;
    const before = out.length;
    const batch = p.batch;
    if (batch && position >= batch.base && position < batch.base + batch.count) {
      if (batch.cursor.offset > position) batch.cursor = batchStart(batch.base);
      bytes += decodeRecords(
        batch.buf,
        batch.cursor,
        position,
        maxMessages,
        maxBytes,
        p.topic,
        p.partition,
        out,
      );
      p.position = position = batch.cursor.offset;
      if (position < batch.base + batch.count) return bytes;
    }
    p.batch = undefined;
    const where = `${p.topic}-${p.partition}`;
    for (const [base, count, buf] of this.#log.batchesFrom(p.topicId, p.partition, position)) {
      if (base + count <= position) continue;
      if (base > position) {
        throw new LogError(
          ERROR_CODES.logCorrupt,
          `${where}: offsets ${position}–${base - 1} are missing`,
        );
      }
      if (verifyBatch(buf, `${where} batch at ${base}`) !== count) {
        throw new LogError(
          ERROR_CODES.logCorrupt,
          `${where}: batch at ${base} does not hold ${count} records`,
        );
      }
      const cursor = batchStart(base);
      const taken = out.length - before;
      bytes += decodeRecords(
        buf,
        cursor,
        position,
        maxMessages - taken,
        maxBytes - bytes,
        p.topic,
        p.partition,
        out,
      );
      p.position = position = cursor.offset;
      if (position < base + count) {
        p.batch = { buf, base, count, cursor };
        break;
      }
      if (out.length - before >= maxMessages || bytes >= maxBytes) break;
    }
    return bytes;
  }

  /** Applies `autoOffsetReset` to a partition without a valid position. */
  #resetPosition(p: OwnedPartition, position: number | undefined, state: PartitionState): number {
    const policy = this.#options.autoOffsetReset;
    if (policy === 'none') {
      throw new LogError(
        ERROR_CODES.logOffsetOutOfRange,
        position === undefined
          ? `${p.topic}-${p.partition} has no committed offset for group "${this.groupId}" and autoOffsetReset is "none"`
          : `offset ${position} of ${p.topic}-${p.partition} is outside the log (${state.logStartOffset}–${state.nextOffset}) and autoOffsetReset is "none"`,
      );
    }
    p.position = policy === 'earliest' ? state.logStartOffset : state.nextOffset;
    p.batch = undefined;
    return p.position;
  }

  #assertOpen(): void {
    if (this.#closing)
      throw new LogError(
        ERROR_CODES.logClosed,
        `the consumer of group "${this.groupId}" is closed`,
      );
  }

  /** Open, or closing but not yet released (a revoke listener may still commit). */
  #assertUsable(): void {
    if (this.#released)
      throw new LogError(
        ERROR_CODES.logClosed,
        `the consumer of group "${this.groupId}" is closed`,
      );
  }
}
