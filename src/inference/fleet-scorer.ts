// The fleet scoring service behind `pitwall score`: a consumer-group member reading the
// telemetry topic (embedded log or Kafka), one inference engine per vehicle session,
// one prediction per session and second of event time written to a predictions topic.
// It scales out by partitions: the topic is keyed by vehicle, so every vehicle's events
// reach one member, in order.
//
// Delivery: at least once. Offsets are committed after the predictions of the messages
// they cover have been appended. A restarted (or newly assigned) member starts each
// vehicle with an empty window, so that vehicle's predictions resume after its warm-up;
// predictions written but not committed before a crash come again (consumers key them by
// session_id + window_end).
import type {
  ConsumedMessage,
  LogConsumer,
  LogTransport,
  ProducerMessage,
  TopicPartition,
} from '../log/index.js';
import type { TopicPartitionOffset } from '../log/types.js';
import { InferenceEngine, stylePrediction } from './engine.js';
import { ScoreMetrics } from './metrics.js';
import type { ModelSlot } from './model.js';
import { predictionMessage } from './prediction-message.js';
import { ACCEPTED, DUPLICATE, LATE, type WindowFeatures } from './sliding-window.js';
import {
  MESSAGE_PROBLEMS,
  TelemetryDecoder,
  type DecodedMessage,
  type MessageProblem,
} from './telemetry-decoder.js';

export interface FleetScorerOptions {
  readonly transport: LogTransport;
  /** Telemetry topics to consume. */
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Where predictions go; created (with the first input topic's partition count) if missing. */
  readonly predictionsTopic: string;
  /** The model for every engine; swapping it (ModelWatcher) swaps them all. */
  readonly model: ModelSlot;
  /** Score what the topics hold when the run starts, flush every window, and return. */
  readonly availableNow?: boolean;
  readonly allowedLatenessS?: number;
  readonly warmupSeconds?: number;
  readonly minWindowSeconds?: number;
  /** Put the window's features into every prediction message. */
  readonly withFeatures?: boolean;
  /** A session with no message for this long (wall clock) is flushed and forgotten, ms. */
  readonly idleSessionMs?: number;
  readonly metrics?: ScoreMetrics;
  readonly clientId?: string;
  readonly sessionTimeoutMs?: number;
  /** Messages per poll (bounds one event-loop turn). */
  readonly maxPollMessages?: number;
  /** Called after each poll's predictions are appended and its offsets committed. */
  readonly onProgress?: (progress: ScoreProgress) => void;
  /** Called for every skipped message (the CLI prints the first few). */
  readonly onInvalid?: (reason: MessageProblem, field: string | undefined, where: string) => void;
}

export const FLEET_SCORER_DEFAULTS = {
  idleSessionMs: 60_000,
  maxPollMessages: 10_000,
} as const;

export interface ScoreProgress {
  readonly messages: number;
  readonly samples: number;
  readonly predictions: number;
  readonly invalid: number;
  readonly sessions: number;
}

export interface ScoreSummary extends ScoreProgress {
  /** Samples not used: late, duplicate (dropped by the windows). */
  readonly late: number;
  readonly duplicates: number;
  readonly invalidByReason: Readonly<Record<MessageProblem, number>>;
  readonly reason: 'available-now' | 'stopped';
}

/** Longest poll wait, so a stop request is seen within about this long, ms. */
const POLL_SLICE_MS = 200;
/** Lag, rate and idle sessions are looked at this often, ms. */
const TICK_MS = 1000;
/** Offsets are committed at most this often while messages flow, ms. */
const COMMIT_INTERVAL_MS = 1000;

interface LiveSession {
  readonly engine: InferenceEngine;
  readonly partitionKey: string;
  lastSeenMs: number;
}

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * @example
 * const slot = new ModelSlot(FEATURES.map((f) => f.name), model);
 * const scorer = new FleetScorer({ transport, topics: ['telemetry'], groupId: 'pitwall-score',
 *   predictionsTopic: 'predictions', model: slot, availableNow: true });
 * const summary = await scorer.run();
 */
export class FleetScorer {
  readonly metrics: ScoreMetrics;
  readonly #options: FleetScorerOptions;
  readonly #decoder = new TelemetryDecoder();
  readonly #sessions = new Map<string, LiveSession>();
  /** Predictions waiting to be appended. */
  #outgoing: ProducerMessage[] = [];
  /** Warm windows waiting to be scored (at the end of each batch). */
  readonly #queue: WindowQueue;
  /** Log timestamp of the message being processed (latency of the windows it closes). */
  #messageTimestamp = 0;
  #nowMs = Date.now();
  #consumer: LogConsumer | undefined;
  #messages = 0;
  #samples = 0;
  #predictions = 0;
  #late = 0;
  #duplicates = 0;
  #invalidTime = 0;
  #windows = 0;
  /** The counts last handed to the metrics. */
  readonly #published = {
    messages: 0,
    samples: 0,
    predictions: 0,
    late: 0,
    duplicates: 0,
    invalidTime: 0,
    windows: 0,
  };
  readonly #invalid = Object.fromEntries(MESSAGE_PROBLEMS.map((p) => [p, 0])) as Record<
    MessageProblem,
    number
  >;
  #invalidTotal = 0;
  #uncommitted = false;
  #lastCommitMs = 0;
  #lastTickMs = 0;
  #rateWindow: { ms: number; samples: number }[] = [];
  /** The slot generation the model metrics describe. */
  #modelGeneration = -1;

  constructor(options: FleetScorerOptions) {
    this.#options = options;
    this.metrics = options.metrics ?? new ScoreMetrics();
    this.#queue = new WindowQueue(options.model.featureNames.length);
  }

  /** Runs until `signal` aborts or, with `availableNow`, until the start's data is scored. */
  async run(signal?: AbortSignal): Promise<ScoreSummary> {
    const options = this.#options;
    const transport = options.transport;
    const admin = transport.createAdmin();
    const producer = transport.createProducer({ clientId: options.clientId ?? 'pitwall-score' });
    const consumer = transport.createConsumer({
      groupId: options.groupId,
      clientId: options.clientId ?? 'pitwall-score',
      maxPollMessages: options.maxPollMessages ?? FLEET_SCORER_DEFAULTS.maxPollMessages,
      ...(options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeoutMs: options.sessionTimeoutMs }),
      rebalanceListener: {
        onPartitionsAssigned: () => {
          this.metrics.assigned.set(consumer.assignment().length);
        },
        onPartitionsRevoked: (partitions) => this.#onRevoked(producer, partitions),
      },
    });
    this.#consumer = consumer;
    let reason: ScoreSummary['reason'] = 'stopped';
    try {
      const first = await admin.describeTopic(options.topics[0]!);
      await admin.createTopic(options.predictionsTopic, {
        partitions: first.partitions.length,
        ifNotExists: true,
      });
      await consumer.subscribe(options.topics);
      const targets = options.availableNow === true ? await this.#highWatermarks(admin) : undefined;
      while (signal?.aborted !== true) {
        const messages = await consumer.poll({ timeoutMs: POLL_SLICE_MS });
        const scored = this.scoreBatch(messages);
        if (messages.length > 0) this.#uncommitted = true;
        // Idle sessions are flushed first, so their last predictions go out with this batch.
        if (this.#nowMs - this.#lastTickMs >= TICK_MS) await this.#tick(admin);
        await this.#send(producer, scored);
        if (this.#nowMs - this.#lastCommitMs >= COMMIT_INTERVAL_MS) await this.#commit();
        options.onProgress?.(this.#progress());
        if (targets !== undefined && messages.length === 0 && (await this.#reached(targets))) {
          reason = 'available-now';
          break;
        }
      }
      if (reason === 'available-now') {
        // The data ends here: every window still open is emitted, as gold emits it.
        await this.#send(producer, this.flushSessions());
      }
      await this.#tick(admin);
      await this.#send(producer);
      this.#uncommitted = true;
      await this.#commit();
      await producer.flush();
    } finally {
      try {
        await consumer.close();
      } finally {
        this.#consumer = undefined;
        await producer.close().catch(() => undefined);
        await admin.close().catch(() => undefined);
      }
    }
    this.metrics.sessions.set(this.#sessions.size);
    return {
      ...this.#progress(),
      late: this.#late,
      duplicates: this.#duplicates,
      invalidByReason: { ...this.#invalid },
      reason,
    };
  }

  /**
   * Scores consumed messages — what `run` does with each poll — and returns the prediction
   * messages they produced (for the predictions topic). Usable without a log, e.g. to
   * measure the scoring itself; messages must come in log order per partition.
   */
  scoreBatch(messages: readonly ConsumedMessage[]): ProducerMessage[] {
    this.#nowMs = Date.now();
    this.#watchModel();
    for (const message of messages) {
      this.#messageTimestamp = message.timestamp;
      this.#process(message.value, message.topic, message.partition, message.offset);
    }
    this.#scoreQueued();
    this.#publishCounts();
    return this.#takeOutgoing();
  }

  /** Adds what was counted since the last call to the Prometheus counters. */
  #publishCounts(): void {
    const p = this.#published;
    const m = this.metrics;
    m.messages.inc(this.#messages - p.messages);
    m.samples.inc(this.#samples - p.samples);
    m.predictions.inc(this.#predictions - p.predictions);
    m.windows.inc(this.#windows - p.windows);
    m.dropped.inc({ reason: 'late' }, this.#late - p.late);
    m.dropped.inc({ reason: 'duplicate' }, this.#duplicates - p.duplicates);
    m.dropped.inc({ reason: 'invalid_time' }, this.#invalidTime - p.invalidTime);
    p.messages = this.#messages;
    p.samples = this.#samples;
    p.predictions = this.#predictions;
    p.windows = this.#windows;
    p.late = this.#late;
    p.duplicates = this.#duplicates;
    p.invalidTime = this.#invalidTime;
  }

  /** Flushes every session's open windows (the data ended); returns the predictions made. */
  flushSessions(): ProducerMessage[] {
    for (const session of this.#sessions.values()) session.engine.flush();
    this.#sessions.clear();
    this.metrics.sessions.set(0);
    this.#scoreQueued();
    this.#publishCounts();
    return this.#takeOutgoing();
  }

  #takeOutgoing(): ProducerMessage[] {
    const taken = this.#outgoing;
    this.#outgoing = [];
    return taken;
  }

  /** Model metrics follow the slot: its version, and a swap whenever it changes. */
  #watchModel(): void {
    const slot = this.#options.model;
    if (slot.generation === this.#modelGeneration) return;
    if (this.#modelGeneration >= 0) this.metrics.modelSwaps.inc();
    this.#modelGeneration = slot.generation;
    if (slot.model !== undefined) this.metrics.setModel(slot.model.version);
  }

  #progress(): ScoreProgress {
    return {
      messages: this.#messages,
      samples: this.#samples,
      predictions: this.#predictions,
      invalid: this.#invalidTotal,
      sessions: this.#sessions.size,
    };
  }

  /** One log message: decode, check, feed its session's engine (predictions queue up). */
  #process(value: Buffer, topic: string, partition: number, offset: number): void {
    this.#messages++;
    let event: DecodedMessage | undefined;
    try {
      event = this.#decoder.decode(value, this.#messageTimestamp);
    } catch {
      // The decoder has no known way to throw; a bad message must still never stop scoring.
      event = undefined;
    }
    if (event === undefined || event.kind === 'invalid') {
      const reason = event?.problem ?? 'unparseable';
      this.#invalid[reason]++;
      this.#invalidTotal++;
      this.metrics.recordInvalid(reason);
      this.#options.onInvalid?.(reason, event?.field, `${topic}/${partition}@${offset}`);
      return;
    }
    if (event.kind === 'session_end') {
      const session = this.#sessions.get(event.sessionId);
      if (session !== undefined) {
        session.engine.flush();
        this.#sessions.delete(event.sessionId);
      }
      return;
    }
    if (event.kind !== 'telemetry') return;
    let session = this.#sessions.get(event.sessionId);
    if (session === undefined) {
      session = this.#startSession(
        event.vehicleId,
        event.sessionId,
        partitionKey(topic, partition),
      );
    }
    session.lastSeenMs = this.#nowMs;
    const outcome = session.engine.addValues(event.timeUs, event.values, 0, event.seq);
    // Counted here, handed to the metrics once per batch (#publishCounts).
    if (outcome === ACCEPTED) this.#samples++;
    else if (outcome === LATE) this.#late++;
    else if (outcome === DUPLICATE) this.#duplicates++;
    else this.#invalidTime++;
  }

  #startSession(vehicleId: string, sessionId: string, key: string): LiveSession {
    const o = this.#options;
    const engine = new InferenceEngine({
      model: o.model,
      ...(o.allowedLatenessS === undefined ? {} : { allowedLatenessS: o.allowedLatenessS }),
      ...(o.warmupSeconds === undefined ? {} : { warmupSeconds: o.warmupSeconds }),
      ...(o.minWindowSeconds === undefined ? {} : { minWindowSeconds: o.minWindowSeconds }),
      onWindow: () => this.#windows++,
      // Warm windows queue up and are scored together at the end of the batch.
      score: false,
      onWarmWindow: (window) =>
        this.#queue.push(vehicleId, sessionId, window, this.#messageTimestamp),
    });
    const session: LiveSession = { engine, partitionKey: key, lastSeenMs: this.#nowMs };
    this.#sessions.set(sessionId, session);
    this.metrics.sessions.set(this.#sessions.size);
    return session;
  }

  /**
   * Scores the queued warm windows with the model in service — in one call when the model
   * can (`predictProbaRows`) — and queues their prediction messages.
   */
  #scoreQueued(): void {
    const queue = this.#queue;
    const count = queue.count;
    if (count === 0) return;
    queue.count = 0;
    const slot = this.#options.model;
    const model = slot.model;
    if (model === undefined) return;
    const columns = slot.columns;
    const width = columns.length;
    const F = queue.width;
    const rows = queue.modelRows(count * width);
    const features = queue.features;
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < width; k++) rows[i * width + k] = features[i * F + columns[k]!]!;
    }
    const C = model.classes.length;
    const proba = queue.probabilities(count * C);
    if (model.predictProbaRows !== undefined) {
      model.predictProbaRows(rows, count, proba);
    } else {
      for (let i = 0; i < count; i++) {
        model.predictProbaRow(
          rows.subarray(i * width, (i + 1) * width),
          proba.subarray(i * C, (i + 1) * C),
        );
      }
    }
    const withFeatures = this.#options.withFeatures === true;
    for (let i = 0; i < count; i++) {
      const prediction = stylePrediction(slot, proba, i * C, {
        features: features.subarray(i * F, (i + 1) * F),
        featureNames: slot.featureNames,
        windowEndMs: queue.windowEnd[i]! * 1000,
        windowSeconds: queue.windowSeconds[i]!,
        sampleCount: queue.sampleCount[i]!,
      });
      const vehicleId = queue.vehicleId[i]!;
      const message = predictionMessage(
        vehicleId,
        queue.sessionId[i]!,
        prediction,
        this.#nowMs,
        withFeatures,
      );
      this.#outgoing.push({ key: vehicleId, value: JSON.stringify(message) });
      this.#predictions++;
      const timestamp = queue.timestamp[i]!;
      if (timestamp > 0) this.metrics.latency.observe(Math.max(0, Date.now() - timestamp) / 1000);
    }
  }

  /** Appends `batch` and whatever else is queued (idle sessions' last windows). */
  async #send(
    producer: ReturnType<LogTransport['createProducer']>,
    batch: ProducerMessage[] = [],
  ): Promise<void> {
    const queued = this.#takeOutgoing();
    const all = queued.length === 0 ? batch : batch.concat(queued);
    if (all.length === 0) return;
    await producer.send(this.#options.predictionsTopic, all);
  }

  /** Commits the positions of the owned partitions (their predictions are appended). */
  async #commit(): Promise<void> {
    const consumer = this.#consumer;
    this.#lastCommitMs = Date.now();
    if (consumer === undefined || !this.#uncommitted) return;
    this.#uncommitted = false;
    const offsets: TopicPartitionOffset[] = [];
    for (const { topic, partition } of consumer.assignment()) {
      const offset = consumer.position(topic, partition);
      if (offset !== undefined) offsets.push({ topic, partition, offset });
    }
    if (offsets.length > 0) await consumer.commit(offsets);
  }

  /** Before partitions leave: append and commit what was scored, forget their sessions. */
  async #onRevoked(
    producer: ReturnType<LogTransport['createProducer']>,
    partitions: readonly TopicPartition[],
  ): Promise<void> {
    await this.#send(producer);
    this.#uncommitted = true;
    await this.#commit().catch(() => undefined);
    const gone = new Set(partitions.map((p) => partitionKey(p.topic, p.partition)));
    for (const [id, session] of this.#sessions) {
      // The next owner starts these vehicles afresh (warm-up); no flush, or both would emit.
      if (gone.has(session.partitionKey)) this.#sessions.delete(id);
    }
    this.metrics.sessions.set(this.#sessions.size);
  }

  async #highWatermarks(admin: ReturnType<LogTransport['createAdmin']>) {
    const out: TopicPartitionOffset[] = [];
    for (const topic of this.#options.topics) {
      const description = await admin.describeTopic(topic);
      for (const p of description.partitions) {
        if (p.highWatermark > p.logStartOffset)
          out.push({ topic, partition: p.partition, offset: p.highWatermark });
      }
    }
    return out;
  }

  /** available-now: every partition was read up to its start-time end, here or by a peer. */
  async #reached(targets: readonly TopicPartitionOffset[]): Promise<boolean> {
    const consumer = this.#consumer!;
    const open: TopicPartitionOffset[] = [];
    for (const t of targets) {
      const position = consumer.position(t.topic, t.partition);
      if (position === undefined || position < t.offset) open.push(t);
    }
    if (open.length === 0) return true;
    // Partitions owned by other members count once the group has committed past them.
    const owned = new Set(consumer.assignment().map((p) => partitionKey(p.topic, p.partition)));
    const others = open.filter((t) => !owned.has(partitionKey(t.topic, t.partition)));
    if (others.length < open.length) return false;
    const committed = await consumer.committed(others);
    const at = new Map(committed.map((c) => [partitionKey(c.topic, c.partition), c.offset]));
    return others.every((t) => (at.get(partitionKey(t.topic, t.partition)) ?? -1) >= t.offset);
  }

  /** Lag, rate, idle sessions. */
  async #tick(admin: ReturnType<LogTransport['createAdmin']>): Promise<void> {
    const now = Date.now();
    this.#lastTickMs = now;
    const idleMs = this.#options.idleSessionMs ?? FLEET_SCORER_DEFAULTS.idleSessionMs;
    for (const [id, session] of this.#sessions) {
      if (now - session.lastSeenMs >= idleMs) {
        session.engine.flush();
        this.#sessions.delete(id);
      }
    }
    this.#scoreQueued();
    this.#publishCounts();
    this.metrics.sessions.set(this.#sessions.size);
    this.#rateWindow.push({ ms: now, samples: this.#samples });
    while (this.#rateWindow.length > 1 && now - this.#rateWindow[0]!.ms > 5 * TICK_MS) {
      this.#rateWindow.shift();
    }
    const first = this.#rateWindow[0]!;
    if (now > first.ms)
      this.metrics.sampleRate.set(((this.#samples - first.samples) * 1000) / (now - first.ms));
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    const lags: { topic: string; partition: number; lag: number }[] = [];
    try {
      for (const topic of this.#options.topics) {
        const description = await admin.describeTopic(topic);
        for (const p of description.partitions) {
          const position = consumer.position(topic, p.partition);
          if (
            position === undefined &&
            !consumer.assignment().some((a) => a.topic === topic && a.partition === p.partition)
          )
            continue;
          lags.push({
            topic,
            partition: p.partition,
            lag: Math.max(0, p.highWatermark - (position ?? p.logStartOffset)),
          });
        }
      }
      this.metrics.setLag(lags);
    } catch {
      // Lag is advisory: a failed describe leaves the last figures.
    }
    this.metrics.assigned.set(consumer.assignment().length);
  }
}

/** Warm windows waiting to be scored: their features (engine order) and where they belong. */
class WindowQueue {
  count = 0;
  readonly width: number;
  features: Float64Array;
  windowEnd: Float64Array;
  windowSeconds: Float64Array;
  sampleCount: Float64Array;
  timestamp: Float64Array;
  readonly vehicleId: string[] = [];
  readonly sessionId: string[] = [];
  #rows = new Float64Array(0);
  #proba = new Float64Array(0);

  constructor(width: number, capacity = 256) {
    this.width = width;
    this.features = new Float64Array(capacity * width);
    this.windowEnd = new Float64Array(capacity);
    this.windowSeconds = new Float64Array(capacity);
    this.sampleCount = new Float64Array(capacity);
    this.timestamp = new Float64Array(capacity);
  }

  push(vehicleId: string, sessionId: string, window: WindowFeatures, timestamp: number): void {
    const i = this.count;
    if (i === this.windowEnd.length) this.#grow();
    this.features.set(window.values, i * this.width);
    this.windowEnd[i] = window.windowEnd;
    this.windowSeconds[i] = window.windowSeconds;
    this.sampleCount[i] = window.sampleCount;
    this.timestamp[i] = timestamp;
    this.vehicleId[i] = vehicleId;
    this.sessionId[i] = sessionId;
    this.count++;
  }

  /** A scratch buffer of at least `size` values for the model's input rows. */
  modelRows(size: number): Float64Array {
    if (this.#rows.length < size) this.#rows = new Float64Array(size * 2);
    return this.#rows;
  }

  /** A scratch buffer of at least `size` values for the probabilities. */
  probabilities(size: number): Float64Array {
    if (this.#proba.length < size) this.#proba = new Float64Array(size * 2);
    return this.#proba;
  }

  #grow(): void {
    const capacity = this.windowEnd.length * 2;
    const grown = (old: Float64Array, size: number): Float64Array => {
      const next = new Float64Array(size);
      next.set(old);
      return next;
    };
    this.features = grown(this.features, capacity * this.width);
    this.windowEnd = grown(this.windowEnd, capacity);
    this.windowSeconds = grown(this.windowSeconds, capacity);
    this.sampleCount = grown(this.sampleCount, capacity);
    this.timestamp = grown(this.timestamp, capacity);
  }
}
