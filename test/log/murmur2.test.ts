// Kafka's default partitioner, checked against the values in Kafka's own UtilsTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from '../../src/log/murmur2.js';

test('murmur2 matches Kafka (org.apache.kafka.common.utils.Utils#murmur2)', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [text, hash] of cases) assert.equal(murmur2(Buffer.from(text)), hash, text);
});

test('partitionForKey is the positive hash modulo the partition count', () => {
  assert.equal(partitionForKey(Buffer.from('21'), 7), (-973932308 & 0x7fffffff) % 7);
  for (let i = 0; i < 1000; i++) {
    const p = partitionForKey(Buffer.from(`vehicle-${i}`), 12);
    assert.ok(Number.isInteger(p) && p >= 0 && p < 12);
  }
  assert.equal(partitionForKey(Buffer.alloc(0), 5), (murmur2(Buffer.alloc(0)) & 0x7fffffff) % 5);
});
