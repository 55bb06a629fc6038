// Kafka settings and their mapping to the client's options: no broker needed (a TLS or
// SASL broker is not available in the test setup, so the mapping itself is what is tested).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, LogError } from '../../src/errors.js';
import { kafkaClientOptions, retryDelayMs } from '../../src/log/kafka/client-options.js';
import { toLogError } from '../../src/log/kafka/kafka-errors.js';
import { KafkaTransport } from '../../src/log/kafka/kafka-transport.js';
import { compressionAvailable, kafkaSettingsFromEnv } from '../../src/log/kafka/settings.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pitwall-kafka-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('Kafka settings', () => {
  test('plaintext defaults: brokers, client id, timeouts, lz4', () => {
    const settings = kafkaSettingsFromEnv({ PITWALL_KAFKA_BROKERS: 'a:9092, b:9093' });
    assert.deepEqual(settings.brokers, ['a:9092', 'b:9093']);
    assert.equal(settings.compression, 'lz4');
    const options = kafkaClientOptions(settings);
    assert.deepEqual(options.bootstrapBrokers, ['a:9092', 'b:9093']);
    assert.equal(options.clientId, 'pitwall');
    assert.equal(options.connectTimeout, settings.connectTimeoutMs);
    assert.equal(options.requestTimeout, settings.requestTimeoutMs);
    assert.equal(options.autocreateTopics, false);
    assert.equal(options.tls, undefined);
    assert.equal(options.sasl, undefined);
  });

  test('TLS files map to tls.connect options, with SNI for host names', () => {
    const settings = kafkaSettingsFromEnv({
      PITWALL_KAFKA_BROKERS: 'kafka-1.example.com:9093',
      PITWALL_KAFKA_TLS_CA_FILE: pem('ca.pem', 'CA PEM'),
      PITWALL_KAFKA_TLS_CERT_FILE: pem('cert.pem', 'CERT PEM'),
      PITWALL_KAFKA_TLS_KEY_FILE: pem('key.pem', 'KEY PEM'),
    });
    const options = kafkaClientOptions(settings);
    assert.deepEqual(options.tls, {
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY PEM',
      rejectUnauthorized: true,
    });
    assert.equal(options.tlsServerName, true);
  });

  test('TLS insecure turns certificate checks off; IP brokers send no SNI', () => {
    const options = kafkaClientOptions(
      kafkaSettingsFromEnv({
        PITWALL_KAFKA_BROKERS: '10.0.0.1:9093',
        PITWALL_KAFKA_TLS_INSECURE: 'true',
      }),
    );
    assert.deepEqual(options.tls, { rejectUnauthorized: false });
    assert.equal(options.tlsServerName, undefined);
  });

  test('SASL maps mechanism, user and password; bad mechanisms are refused', () => {
    const options = kafkaClientOptions(
      kafkaSettingsFromEnv({
        PITWALL_KAFKA_BROKERS: 'k:9094',
        PITWALL_KAFKA_TLS: 'true',
        PITWALL_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        PITWALL_KAFKA_SASL_USERNAME: 'pitwall',
        PITWALL_KAFKA_SASL_PASSWORD: 's3cret',
      }),
    );
    assert.deepEqual(options.sasl, {
      mechanism: 'SCRAM-SHA-512',
      username: 'pitwall',
      password: 's3cret',
    });
    assert.deepEqual(options.tls, { rejectUnauthorized: true });
    assert.throws(
      () =>
        kafkaSettingsFromEnv({
          PITWALL_KAFKA_BROKERS: 'k:1',
          PITWALL_KAFKA_SASL_MECHANISM: 'GSSAPI',
        }),
      /PITWALL_KAFKA_SASL_MECHANISM/,
    );
  });

  test('compression is a setting; unknown codecs and zstd before Node 22.15 are refused', () => {
    assert.equal(
      kafkaSettingsFromEnv({ PITWALL_KAFKA_BROKERS: 'k:1', PITWALL_KAFKA_COMPRESSION: 'Snappy' })
        .compression,
      'snappy',
    );
    assert.throws(
      () =>
        kafkaSettingsFromEnv({ PITWALL_KAFKA_BROKERS: 'k:1', PITWALL_KAFKA_COMPRESSION: 'brotli' }),
      /PITWALL_KAFKA_COMPRESSION/,
    );
    if (!compressionAvailable('zstd')) {
      assert.throws(
        () =>
          kafkaSettingsFromEnv({ PITWALL_KAFKA_BROKERS: 'k:1', PITWALL_KAFKA_COMPRESSION: 'zstd' }),
        /22\.15/,
      );
    }
  });

  test('retry backoff doubles and is capped', () => {
    const policy = { retries: 5, retryBackoffMs: 100, retryBackoffMaxMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => retryDelayMs(policy, a)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });

  test('client errors become LogErrors with our codes', () => {
    const network = Object.assign(new Error('Connection to 127.0.0.1:1 failed.'), {
      code: 'PLT_KFK_NETWORK',
    });
    const unavailable = toLogError(
      { errors: [network], message: 'metadata failed 3 times.' },
      'send',
      ['127.0.0.1:1'],
    );
    assert.equal(unavailable.code, ERROR_CODES.logUnavailable);
    assert.equal(unavailable.canRetry, true);
    assert.match(unavailable.message, /127\.0\.0\.1:1/);
    const exists = toLogError(
      { errors: [{ apiId: 'TOPIC_ALREADY_EXISTS', canRetry: false, message: 'x' }] },
      'create',
    );
    assert.equal(exists.code, ERROR_CODES.logTopicExists);
    const rebalance = toLogError(
      { apiId: 'REBALANCE_IN_PROGRESS', canRetry: true, message: 'x' },
      'commit',
    );
    assert.equal(rebalance.code, ERROR_CODES.logCommitFailed);
    assert.equal(rebalance.canRetry, true);
    const same = new LogError(ERROR_CODES.logClosed, 'closed');
    assert.equal(toLogError(same, 'x'), same);
  });

  test('a transport needs brokers; a closed transport refuses new clients', async () => {
    assert.throws(
      () =>
        new KafkaTransport({
          brokers: [],
          clientId: 'x',
          replicationFactor: 1,
          connectTimeoutMs: 1,
          requestTimeoutMs: 1,
        }),
      (e: { code?: string }) => e.code === ERROR_CODES.logInvalidArgument,
    );
    const transport = new KafkaTransport(
      kafkaSettingsFromEnv({ PITWALL_KAFKA_BROKERS: '127.0.0.1:1' }),
    );
    assert.equal(transport.kind, 'kafka');
    await transport.close();
    assert.throws(
      () => transport.createAdmin(),
      (e: { code?: string }) => e.code === ERROR_CODES.logClosed,
    );
  });
});
