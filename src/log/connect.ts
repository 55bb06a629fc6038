// Opens the log a command was pointed at: the embedded log in a folder (the default,
// nothing to install) or a Kafka cluster. Commands take a LogTransport and never care which.
import type { KafkaSettings } from './kafka/settings.js';
import type { LogTransport } from './types.js';

export const LOG_SOURCES = ['local', 'kafka'] as const;
export type LogSource = (typeof LOG_SOURCES)[number];

export type LogConnection =
  | {
      readonly source: 'local';
      readonly dir: string;
      readonly synchronous?: 'normal' | 'full' | 'off';
    }
  | { readonly source: 'kafka'; readonly kafka: KafkaSettings };

/** A human-readable name of the log, for messages ("embedded log in .pitwall/log"). */
export function describeConnection(connection: LogConnection): string {
  return connection.source === 'local'
    ? `the embedded log in ${connection.dir}`
    : `Kafka at ${connection.kafka.brokers.join(',')}`;
}

/** Opens the transport; the caller closes it. */
export async function openLogTransport(connection: LogConnection): Promise<LogTransport> {
  if (connection.source === 'local') {
    const { EmbeddedLog } = await import('./embedded/embedded-log.js');
    return new EmbeddedLog({
      dir: connection.dir,
      ...(connection.synchronous === undefined ? {} : { synchronous: connection.synchronous }),
    });
  }
  const { KafkaTransport } = await import('./kafka/kafka-transport.js');
  return new KafkaTransport(connection.kafka);
}
