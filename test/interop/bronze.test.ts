// The bronze table as `pitwall ingest` writes it (simulator telemetry plus hostile messages,
// several micro-batches, raw bytes, an ingest-date partition and one txn per log partition),
// read by delta-rs and Spark.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { EmbeddedLog } from '../../src/log/index.js';
import { LogSink } from '../../src/log/log-sink.js';
import { BronzeIngestor, bronzeAppId, openBronzeTable } from '../../src/pipeline/bronze/index.js';
import { FAULT_PRESETS } from '../../src/sim/faults.js';
import { FleetRunner } from '../../src/sim/runner.js';
import { tempDir } from '../lake/helpers.js';
import { assertPeersRead, sharedPeer, skipUnlessInterop } from './helpers.js';

const PARTITIONS = 3;

describe('bronze read by delta-rs and Spark', { skip: skipUnlessInterop }, () => {
  const startPeer = sharedPeer();

  test('bronze after several micro-batches of telemetry and hostile messages', async (t) => {
    const peer = await startPeer();
    const dir = await tempDir(t, 'interop-bronze');
    const log = new EmbeddedLog({ dir: path.join(dir, 'log') });
    t.after(() => log.close());
    const sink = await LogSink.open(log, { topic: 'telemetry', partitions: PARTITIONS });
    await new FleetRunner({
      vehicles: 4,
      seed: 11,
      hz: 10,
      drivers: 'mix',
      faults: FAULT_PRESETS.heavy,
      durationS: 20,
      startTimeMs: Date.parse('2026-01-01T08:00:00Z'),
    }).run(sink);
    await sink.close();
    const producer = log.createProducer();
    await producer.send('telemetry', [
      { value: 'not json' },
      { value: Buffer.alloc(0) },
      { value: Buffer.from([0x00, 0xff, 0xfe, 0x80]), headers: { origin: Buffer.from([1, 2]) } },
      { key: 'VH-0001', value: '{"schema_version":99,"vehicle_id":"VH-0001"}' },
      { value: `{"text":"${'é'.repeat(10_000)}"}` },
    ]);
    await producer.close();

    const table = await openBronzeTable(path.join(dir, 'lake'));
    t.after(() => table.close());
    const summary = await new BronzeIngestor({
      transport: log,
      table,
      topics: ['telemetry'],
      groupId: 'interop-bronze',
      maxBatchRecords: 300,
      maxBatchMs: 100,
      availableNow: true,
    }).run();
    assert.ok(summary.records > 500, `ingested ${summary.records}`);
    assert.ok((await table.latestVersion()) >= 3, 'several commits');
    assert.notEqual(await table.txnVersion(bronzeAppId('telemetry', 0)), undefined);
    await assertPeersRead(peer, path.join(dir, 'lake', 'bronze', 'telemetry'));
  });
});
