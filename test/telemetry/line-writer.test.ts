import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryLineWriter, sessionLineParts } from '../../src/telemetry/line-writer.js';
import {
  IsoTimeFormatter,
  encodeTelemetry,
  telemetryIdentity,
} from '../../src/telemetry/encode.js';
import { SIGNALS, SIGNAL_COUNT } from '../../src/telemetry/signals.js';
import { uuidV5 } from '../../src/telemetry/uuid.js';
import { Rng } from '../../src/sim/random.js';

test('the byte writer produces exactly the text of the string encoder', () => {
  const rng = new Rng(11);
  const writer = new TelemetryLineWriter(64);
  const time = new IsoTimeFormatter();
  const parts = sessionLineParts('42/7/3/', 'VH-0008', '0d9ac0c2-1c1b-5f7e-8a5e-2d2b6f1f7a01');
  const identity = telemetryIdentity('VH-0008', '0d9ac0c2-1c1b-5f7e-8a5e-2d2b6f1f7a01');
  const values = new Float64Array(SIGNAL_COUNT);
  const lines: [number, string][] = [];
  for (let n = 0; n < 3000; n++) {
    for (let k = 0; k < SIGNAL_COUNT; k++) {
      const s = SIGNALS[k]!;
      const roll = rng.next();
      // Quantised values across the range, exact zeros, negatives, nulls and round numbers.
      let x = Math.round(rng.between(s.min, s.max) / s.resolution) * s.resolution;
      if (roll < 0.05) x = 0;
      else if (roll < 0.08) x = Number.NaN;
      else if (roll < 0.12) x = Math.round(x);
      values[k] = x;
    }
    const seq = rng.int(0, 2_000_000);
    const ms = Date.UTC(2026, 0, 1) + rng.int(0, 86_400_000);
    const start = writer.write(parts, seq, ms, values, 0);
    lines.push([
      start,
      encodeTelemetry(uuidV5(`42/7/3/${seq}`), identity, seq, time.format(ms), values, 0),
    ]);
  }
  // The buffer grew from 64 bytes along the way; every line must still be intact.
  for (let k = 0; k < lines.length; k++) {
    const [start, expected] = lines[k]!;
    const end = k + 1 < lines.length ? lines[k + 1]![0] : writer.length;
    assert.equal(writer.buffer.subarray(start, end).toString('utf8'), expected);
  }
});

test('reset starts writing at the beginning again', () => {
  const writer = new TelemetryLineWriter();
  const parts = sessionLineParts('1/0/0/', 'VH-0001', '0d9ac0c2-1c1b-5f7e-8a5e-2d2b6f1f7a01');
  const values = new Float64Array(SIGNAL_COUNT);
  writer.write(parts, 1, 0, values, 0);
  assert.ok(writer.length > 300);
  writer.reset();
  assert.equal(writer.length, 0);
  assert.equal(writer.write(parts, 2, 0, values, 0), 0);
});
