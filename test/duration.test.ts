// Durations as people type them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../src/duration.js';

test('parses numbers and unit suffixes into seconds', () => {
  const cases: [string, number][] = [
    ['90', 90],
    ['2.5', 2.5],
    ['30s', 30],
    ['10m', 600],
    ['2h', 7200],
    ['1d', 86400],
    ['1h30m', 5400],
    ['1m30s', 90],
    ['250ms', 0.25],
    ['1.5h', 5400],
    ['2m500ms', 120.5],
    [' 45s ', 45],
  ];
  for (const [text, seconds] of cases)
    assert.equal(parseDuration(text), seconds, JSON.stringify(text));
});

test('rejects text that is not a duration', () => {
  for (const text of [
    '10x',
    '',
    ' ',
    'm',
    'ms',
    '-5s',
    '5 m',
    '1h 30m',
    '5m5',
    's5',
    '1,5h',
    'abc',
    '10sm',
  ]) {
    assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  }
});

test('formats seconds compactly', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [42.5, '42.5s'],
    [60, '1m'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [7384, '2h3m4s'],
  ];
  for (const [seconds, text] of cases) assert.equal(formatDuration(seconds), text, String(seconds));
  for (const seconds of [60, 90, 3600, 5400, 7384])
    assert.equal(parseDuration(formatDuration(seconds)), seconds);
});
