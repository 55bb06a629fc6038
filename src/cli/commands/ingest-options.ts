// `pitwall ingest` options: raw text from commander in, validated settings out. Defaults
// live here once and also feed the help text.
import { UsageError } from '../../errors.js';
import { LOG_SOURCES, type LogConnection, type LogSource } from '../../log/connect.js';
import { LOG_OPTION_DEFAULTS, parseLogConnection, parseTopicOption } from '../log-options.js';
import { invalidOption, parseChoiceOption, parseIntegerOption, type Range } from '../options.js';
import { cliSettings } from '../settings.js';

export const INGEST_DEFAULTS = {
  source: 'local',
  logDir: LOG_OPTION_DEFAULTS.logDir,
  topic: LOG_OPTION_DEFAULTS.topic,
  group: 'pitwall-bronze',
  lake: '.pitwall/lake',
  maxBatchRecords: '100000',
  maxBatchMs: '1000',
  metricsHost: '127.0.0.1',
  sessionTimeoutMs: '10000',
} as const satisfies Record<string, string>;

export const INGEST_LIMITS = {
  maxBatchRecords: { min: 1, max: 1_000_000 },
  maxBatchMs: { min: 10, max: 3_600_000 },
  metricsPort: { min: 0, max: 65_535 },
  sessionTimeoutMs: { min: 100, max: 3_600_000 },
} as const satisfies Record<string, Range>;

/** Kafka's group id rule, the same as for topics. */
const GROUP_ID = /^[A-Za-z0-9._-]{1,249}$/;
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;

/** Option values as commander hands them over. */
export interface RawIngestOptions {
  readonly source?: string;
  readonly logDir?: string;
  readonly brokers?: string;
  readonly topic?: readonly string[];
  readonly group?: string;
  readonly lake?: string;
  readonly maxBatchRecords?: string;
  readonly maxBatchMs?: string;
  readonly availableNow?: boolean;
  readonly metricsPort?: string;
  readonly metricsHost?: string;
  readonly metricsFile?: string;
  readonly sessionTimeoutMs?: string;
  readonly quiet?: boolean;
}

export interface IngestSettings {
  readonly connection: LogConnection;
  readonly topics: readonly string[];
  readonly group: string;
  readonly lake: string;
  readonly maxBatchRecords: number;
  readonly maxBatchMs: number;
  readonly availableNow: boolean;
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  readonly metricsFile: string | undefined;
  readonly sessionTimeoutMs: number;
  readonly quiet: boolean;
}

function nonEmptyPath(option: string, text: string): string {
  if (text.trim() === '') throw invalidOption(option, 'a path', text);
  return text;
}

/** Validates every option; a UsageError names the first bad one. */
export function parseIngestOptions(
  raw: RawIngestOptions,
  env: Readonly<Record<string, string | undefined>>,
): IngestSettings {
  const d = INGEST_DEFAULTS;
  const settings = cliSettings(env);
  const source: LogSource = parseChoiceOption(
    '--source',
    raw.source ?? settings.log.kind,
    LOG_SOURCES,
  );
  const connection = parseLogConnection(source, raw, '--source', env);
  const topics = [
    ...new Set((raw.topic ?? [settings.log.topic]).map((t) => parseTopicOption('--topic', t))),
  ];
  const group = raw.group ?? d.group;
  if (!GROUP_ID.test(group))
    throw invalidOption('--group', 'letters, digits, ".", "_" or "-" (at most 249)', group);
  const lake = nonEmptyPath('--lake', raw.lake ?? settings.lake.root);
  const L = INGEST_LIMITS;
  const maxBatchRecords = parseIntegerOption(
    '--max-batch-records',
    raw.maxBatchRecords ?? d.maxBatchRecords,
    L.maxBatchRecords,
  );
  const maxBatchMs = parseIntegerOption(
    '--max-batch-ms',
    raw.maxBatchMs ?? d.maxBatchMs,
    L.maxBatchMs,
  );
  const metricsPort =
    raw.metricsPort === undefined
      ? undefined
      : parseIntegerOption('--metrics-port', raw.metricsPort, L.metricsPort);
  const metricsHost = raw.metricsHost ?? d.metricsHost;
  if (!HOST.test(metricsHost))
    throw invalidOption('--metrics-host', 'a host name or IP address', metricsHost);
  if (raw.metricsHost !== undefined && metricsPort === undefined)
    throw new UsageError('--metrics-host needs --metrics-port');
  const metricsFile =
    raw.metricsFile === undefined ? undefined : nonEmptyPath('--metrics-file', raw.metricsFile);
  const sessionTimeoutMs = parseIntegerOption(
    '--session-timeout-ms',
    raw.sessionTimeoutMs ?? d.sessionTimeoutMs,
    L.sessionTimeoutMs,
  );
  return {
    connection,
    topics,
    group,
    lake,
    maxBatchRecords,
    maxBatchMs,
    availableNow: raw.availableNow === true,
    metricsPort,
    metricsHost,
    metricsFile,
    sessionTimeoutMs,
    quiet: raw.quiet === true,
  };
}
