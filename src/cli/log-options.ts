// Options that point a command at a log: which one (`local`, the embedded log in a folder,
// or `kafka`), where it is, and the topic. Shared by simulate, replay and ingest so the
// flags mean the same everywhere.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { LogConnection, LogSource } from '../log/connect.js';
import { kafkaSettingsFromEnv } from '../log/kafka/settings.js';
import { invalidOption, parseIntegerOption } from './options.js';
import { cliSettings } from './settings.js';

export const LOG_OPTION_DEFAULTS = {
  logDir: '.pitwall/log',
  topic: 'telemetry',
  partitions: '6',
} as const satisfies Record<string, string>;

export const PARTITION_LIMITS = { min: 1, max: 1000 } as const;

/** Kafka's topic-name rule: letters, digits, `.`, `_`, `-`, at most 249 characters. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** The log flags as commander hands them over. */
export interface RawLogOptions {
  readonly logDir?: string;
  readonly brokers?: string;
  readonly topic?: string;
  readonly partitions?: string;
}

/** A topic of a log, and how many partitions it gets when a command creates it. */
export interface LogTarget {
  readonly connection: LogConnection;
  readonly topic: string;
  readonly partitions: number;
}

/** Adds `--log-dir`, `--brokers`, `--topic` and `--partitions` to `command`. */
export function addLogOptions(command: Command, selector: '--sink' | '--source'): Command {
  const d = LOG_OPTION_DEFAULTS;
  return command
    .option('--log-dir <dir>', `embedded log folder for ${selector} local (default: ${d.logDir})`)
    .option(
      '--brokers <list>',
      `Kafka bootstrap brokers host:port,... for ${selector} kafka (default: $PITWALL_KAFKA_BROKERS)`,
    )
    .option('--topic <name>', `topic (default: ${d.topic})`)
    .option(
      '--partitions <n>',
      `partitions of the topic when it has to be created (default: ${d.partitions})`,
    );
}

/** Checks a topic name against Kafka's rule. */
export function parseTopicOption(option: string, text: string): string {
  if (!TOPIC_NAME.test(text)) {
    throw invalidOption(option, 'letters, digits, ".", "_" or "-" (at most 249)', text);
  }
  return text;
}

/**
 * The log a command connects to: `--log-dir` for `local`, Kafka settings from
 * `PITWALL_KAFKA_*` in `env` with `--brokers` winning for `kafka`. The other kind's flag is
 * refused (`--brokers needs --source kafka`).
 */
export function parseLogConnection(
  source: LogSource,
  raw: Pick<RawLogOptions, 'logDir' | 'brokers'>,
  selector: '--sink' | '--source',
  env: Readonly<Record<string, string | undefined>>,
): LogConnection {
  if (source !== 'local' && raw.logDir !== undefined)
    throw new UsageError(`--log-dir needs ${selector} local`);
  if (source !== 'kafka' && raw.brokers !== undefined)
    throw new UsageError(`--brokers needs ${selector} kafka`);
  if (source === 'kafka')
    return { source, kafka: kafkaSettingsFromEnv(env, { brokers: raw.brokers }) };
  const dir = raw.logDir ?? cliSettings(env).log.dir;
  if (dir.trim() === '') throw invalidOption('--log-dir', 'a folder path', dir);
  return { source, dir };
}

/** Validates the log flags and the topic for a log of kind `source` (see parseLogConnection). */
export function parseLogTarget(
  source: LogSource,
  raw: RawLogOptions,
  selector: '--sink' | '--source',
  env: Readonly<Record<string, string | undefined>>,
): LogTarget {
  const connection = parseLogConnection(source, raw, selector, env);
  const topic = parseTopicOption('--topic', raw.topic ?? cliSettings(env).log.topic);
  const partitions = parseIntegerOption(
    '--partitions',
    raw.partitions ?? LOG_OPTION_DEFAULTS.partitions,
    PARTITION_LIMITS,
  );
  return { connection, topic, partitions };
}

/** Refuses log flags for a command writing to a file instead (`--topic needs --sink local or kafka`). */
export function refuseLogOptions(raw: RawLogOptions, selector: '--sink' | '--source'): void {
  for (const [flag, value, needs] of [
    ['--log-dir', raw.logDir, 'local'],
    ['--brokers', raw.brokers, 'kafka'],
    ['--topic', raw.topic, 'local or kafka'],
    ['--partitions', raw.partitions, 'local or kafka'],
  ] as const) {
    if (value !== undefined) throw new UsageError(`${flag} needs ${selector} ${needs}`);
  }
}
