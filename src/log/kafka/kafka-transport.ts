// PLACEHOLDER while the Kafka transport is being written (replaced in this session).
import { LogError } from '../../errors.js';
import type { KafkaSettings } from './settings.js';
import type { LogAdmin, LogConsumer, LogProducer, LogTransport } from '../types.js';

export class KafkaTransport implements LogTransport {
  readonly kind = 'kafka';
  constructor(readonly settings: KafkaSettings) {}
  createProducer(): LogProducer {
    throw new LogError('PITWALL_ERR_LOG_CLOSED', 'Kafka transport not written yet');
  }
  createConsumer(): LogConsumer {
    throw new LogError('PITWALL_ERR_LOG_CLOSED', 'Kafka transport not written yet');
  }
  createAdmin(): LogAdmin {
    throw new LogError('PITWALL_ERR_LOG_CLOSED', 'Kafka transport not written yet');
  }
  async close(): Promise<void> {}
}
