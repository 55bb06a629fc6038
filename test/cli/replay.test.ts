import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { partitionForKey } from '../../src/log/murmur2.js';
import { EmbeddedLog } from '../../src/log/embedded/embedded-log.js';
import type { ConsumedMessage } from '../../src/log/types.js';
import { parseReplaySpeed } from '../../src/cli/commands/replay.js';
import { lineEventTimeMs, lineKey, readLineBatches } from '../../src/cli/run-replay.js';
import { assertOneLineError, runCliWithInput, runMain, tempDir } from './helpers.js';

async function consumeAll(
  dir: string,
  topic: string,
  expected: number,
): Promise<ConsumedMessage[]> {
  const log = new EmbeddedLog({ dir });
  try {
    const consumer = log.createConsumer({ groupId: `check-${topic}`, autoOffsetReset: 'earliest' });
    await consumer.subscribe([topic]);
    const out: ConsumedMessage[] = [];
    for (let tries = 0; tries < 50 && out.length < expected; tries++) {
      for (const m of await consumer.poll({ timeoutMs: 100, maxMessages: 100_000 })) {
        // Values are views into the fetched batch: keep copies.
        out.push({
          ...m,
          key: m.key && Buffer.from(m.key),
          value: Buffer.from(m.value),
        });
      }
    }
    await consumer.close();
    return out;
  } finally {
    await log.close();
  }
}

describe('replay line reading', () => {
  test('splits on \\n only, keeps every byte, joins lines across chunks, keeps a last line without \\n', async () => {
    const text = Buffer.concat([
      Buffer.from('{"a":1}\r\nnot json\n\n'),
      Buffer.from([0x00, 0xff, 0xfe, 0x0a]),
      Buffer.from('tail'),
    ]);
    // Every chunking of the same bytes gives the same lines.
    for (const size of [1, 2, 3, 7, text.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < text.length; at += size) chunks.push(text.subarray(at, at + size));
      const lines: Buffer[] = [];
      for await (const batch of readLineBatches(Readable.from(chunks))) lines.push(...batch);
      assert.deepEqual(
        lines.map((line) => line.toString('hex')),
        [
          Buffer.from('{"a":1}\r').toString('hex'),
          Buffer.from('not json').toString('hex'),
          '',
          '00fffe',
          Buffer.from('tail').toString('hex'),
        ],
        `chunk size ${size}`,
      );
    }
  });

  test('keys and event times come from plain JSON string members only', () => {
    const line = Buffer.from(
      '{"schema_version":1,"vehicle_id":"VH-0007","event_time":"2026-01-01T08:00:01.500Z"}',
    );
    assert.equal(lineKey(line), 'VH-0007');
    assert.equal(lineEventTimeMs(line), Date.parse('2026-01-01T08:00:01.500Z'));
    assert.equal(lineKey(Buffer.from('{"vehicle_id":"VH-\\u0030"}')), null);
    assert.equal(lineKey(Buffer.from('{"vehicle_id":""}')), null);
    assert.equal(lineKey(Buffer.from('garbage "vehicle_id":"unterminated')), null);
    assert.equal(lineEventTimeMs(Buffer.from('{"event_time":"yesterday"}')), undefined);
  });

  test('--speed accepts 1x, 10, 0.5x and max', () => {
    assert.equal(parseReplaySpeed('1x'), 1);
    assert.equal(parseReplaySpeed('10'), 10);
    assert.equal(parseReplaySpeed('0.5x'), 0.5);
    assert.equal(parseReplaySpeed('max'), 0);
    assert.throws(() => parseReplaySpeed('fast'), /--speed must be 1x/);
    assert.throws(() => parseReplaySpeed('-1x'), /--speed must be 1x/);
  });
});

describe('pitwall replay --sink local', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let recording: string;
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    recording = path.join(dir, 'fleet.ndjson');
    const sim = await runMain([
      'simulate',
      '--vehicles',
      '3',
      '--duration',
      '4s',
      '--seed',
      '5',
      '--out',
      recording,
      '--quiet',
    ]);
    assert.equal(sim.code, 0, sim.stderr);
  });
  after(() => cleanup());

  test('sends each line as one message with exactly its bytes, hostile ones included', async () => {
    const hostile = [
      Buffer.from('not json at all'),
      Buffer.alloc(0),
      Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7b]),
      Buffer.from('{"schema_version":99,"vehicle_id":"VH-0002","event_type":"from_the_future"}'),
      Buffer.alloc(1024 * 1024, 0x61),
    ];
    const recorded = await readFile(recording);
    const file = path.join(dir, 'hostile.ndjson');
    await writeFile(
      file,
      Buffer.concat([recorded, ...hostile.flatMap((line) => [line, Buffer.from('\n')])]),
    );
    const expected = [...recorded.subarray(0, -1).toString('latin1').split('\n')].map((line) =>
      Buffer.from(line, 'latin1'),
    );
    expected.push(...hostile);
    const logDir = path.join(dir, 'log');
    const result = await runMain(['replay', file, '--log-dir', logDir, '--partitions', '4']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `replayed ${expected.length.toLocaleString('en-US')} lines \\(4 without a vehicle id\\)`,
      ),
    );

    const messages = await consumeAll(logDir, 'telemetry', expected.length);
    assert.equal(messages.length, expected.length);
    const sent = new Map<string, number>();
    for (const line of expected) {
      const hex = line.toString('hex');
      sent.set(hex, (sent.get(hex) ?? 0) + 1);
    }
    for (const m of messages) {
      const hex = m.value.toString('hex');
      const left = sent.get(hex);
      assert.ok(
        left !== undefined && left > 0,
        `unexpected message ${m.value.subarray(0, 60).toString()}`,
      );
      sent.set(hex, left - 1);
      // Keyed lines land on their key's partition, in file order per vehicle.
      const key = lineKey(m.value);
      assert.equal(m.key?.toString() ?? null, key);
      if (key !== null) assert.equal(m.partition, partitionForKey(Buffer.from(key), 4));
    }
    const perVehicle = new Map<string, number[]>();
    for (const m of messages.filter((x) => x.key !== null).sort((a, b) => a.offset - b.offset)) {
      const event = JSON.parse(m.value.toString()) as { vehicle_id: string; seq?: number };
      if (event.seq === undefined) continue;
      const seqs = perVehicle.get(event.vehicle_id) ?? [];
      seqs.push(event.seq);
      perVehicle.set(event.vehicle_id, seqs);
    }
    const fileSeqs = new Map<string, number[]>();
    for (const line of expected) {
      const key = lineKey(line);
      if (key === null) continue;
      const event = JSON.parse(line.toString()) as { vehicle_id: string; seq?: number };
      if (event.seq === undefined) continue;
      fileSeqs.set(key, [...(fileSeqs.get(key) ?? []), event.seq]);
    }
    assert.deepEqual(perVehicle, fileSeqs);
  });

  test('--speed 4x keeps the recording timing: a 4 s recording takes about 1 s', async () => {
    const logDir = path.join(dir, 'paced-log');
    const started = performance.now();
    const result = await runMain(['replay', recording, '--log-dir', logDir, '--speed', '4x']);
    const wallS = (performance.now() - started) / 1000;
    assert.equal(result.code, 0, result.stderr);
    // A lower bound only: pacing must not run ahead of the recording.
    assert.ok(wallS >= 0.9, `took ${wallS.toFixed(2)} s`);
    assert.match(result.stderr, /at 4x the recorded pace/);
  });

  test('bad input fails with one line', async () => {
    assertOneLineError(
      await runMain(['replay', path.join(dir, 'missing.ndjson'), '--log-dir', path.join(dir, 'x')]),
      1,
      /cannot read .*missing\.ndjson: no such file$/,
    );
    assertOneLineError(
      await runMain(['replay', recording, '--speed', 'warp']),
      2,
      /--speed must be/,
    );
    assertOneLineError(
      await runMain(['replay', recording, '--sink', 'file']),
      2,
      /--sink must be one of local, kafka/,
    );
    assertOneLineError(
      await runMain(['replay', recording, '--sink', 'kafka'], { env: {} }),
      2,
      /Kafka needs brokers/,
    );
  });

  test('reads stdin with -', async () => {
    const logDir = path.join(dir, 'stdin-log');
    const child = await runCliWithInput(
      ['replay', '-', '--log-dir', logDir, '--topic', 'piped'],
      'one\ntwo\n',
    );
    assert.equal(child.code, 0, child.stderr);
    const messages = await consumeAll(logDir, 'piped', 2);
    assert.deepEqual(messages.map((m) => m.value.toString()).sort(), ['one', 'two']);
  });
});
