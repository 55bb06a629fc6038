// More bad input, run in-process through `main` with captured streams (fast); the
// child-process cases in errors.test.ts prove the same holds for a real process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { reportError } from '../../src/cli/exit-codes.js';
import { IoError, ProfileError, ScenarioError, UsageError } from '../../src/errors.js';
import { assertOneLineError, captureIo, runMain, tempDir } from './helpers.js';

describe('main: usage errors', () => {
  const cases: readonly (readonly [string, readonly string[], RegExp])[] = [
    [
      'misspelt option with a suggestion',
      ['simulate', '--vehicle', '3'],
      /^pitwall: unknown option '--vehicle' \(Did you mean --vehicles\?\)$/,
    ],
    [
      'missing option value',
      ['simulate', '--vehicles'],
      /option '--vehicles <n>' argument missing/,
    ],
    [
      '--vehicles too many',
      ['simulate', '--vehicles', '100001'],
      /between 1 and 100000 \(got "100001"\)/,
    ],
    ['--vehicles fraction', ['simulate', '--vehicles', '2.5'], /--vehicles must be an integer/],
    ['--hz too high', ['simulate', '--hz', '51'], /--hz must be a number between 10 and 50/],
    [
      '--duration zero',
      ['simulate', '--duration', '0'],
      /--duration must be at least 1s \(got "0"\)/,
    ],
    [
      '--session-duration bad',
      ['simulate', '--session-duration', 'soon'],
      /--session-duration must be a duration/,
    ],
    [
      '--seed fraction',
      ['simulate', '--seed', '1.5'],
      /--seed must be an integer between 0 and 4294967295/,
    ],
    ['--seed negative', ['simulate', '--seed', '-1'], /--seed must be an integer/],
    [
      '--cars unknown',
      ['simulate', '--cars', 'trabant'],
      /--cars must be mix or a car id \(.*vw-golf-1-5-tsi.*\) \(got "trabant"\)/,
    ],
    [
      '--faults unknown',
      ['simulate', '--faults', 'apocalyptic'],
      /--faults must be one of none, default, heavy/,
    ],
    [
      '--fault-rate without value',
      ['simulate', '--fault-rate', 'spike'],
      /--fault-rate must be name=value/,
    ],
    [
      '--fault-rate unknown name',
      ['simulate', '--fault-rate', 'gremlins=0.1'],
      /unknown fault "gremlins" \(known: dropout, spike/,
    ],
    [
      '--fault-rate negative',
      ['simulate', '--fault-rate', 'stuck=-0.1'],
      /--fault-rate stuck must be a number between 0 and 1/,
    ],
    [
      '--topic without a log sink',
      ['simulate', '--topic', 't'],
      /--topic needs --sink local or kafka/,
    ],
    [
      '--log-dir with --sink kafka',
      ['simulate', '--sink', 'kafka', '--brokers', 'h:1', '--log-dir', 'x'],
      /--log-dir needs --sink local/,
    ],
    [
      '--topic with a bad name',
      ['simulate', '--sink', 'local', '--topic', 'no spaces'],
      /--topic must be letters, digits/,
    ],
    [
      '--partitions 0',
      ['simulate', '--sink', 'local', '--partitions', '0'],
      /--partitions must be an integer between 1 and 1000/,
    ],
    [
      '--sink unknown',
      ['simulate', '--sink', 's3'],
      /--sink must be one of file, local, kafka \(got "s3"\)/,
    ],
    [
      '--start without zone',
      ['simulate', '--start', '2026-01-01T08:00:00'],
      /--start must be an ISO 8601 time with a zone/,
    ],
    ['--start nonsense', ['simulate', '--start', 'yesterday'], /--start must be an ISO 8601 time/],
    [
      '--realtime with --speed',
      ['simulate', '--realtime', '--speed', '5'],
      /--realtime and --speed cannot be used together/,
    ],
    ['--speed negative', ['simulate', '--speed', '-2'], /--speed must be a positive number/],
    ['--speed word', ['simulate', '--speed', 'fast'], /--speed must be .* \(got "fast"\)/],
    ['--out empty', ['simulate', '--out', ''], /--out must be a file path or - for stdout/],
    [
      'unknown scenario name',
      ['simulate', '--scenario', 'moon-landing'],
      /no file or shipped scenario named "moon-landing" \(shipped: .*hot-climb/,
    ],
    ['extra argument', ['cars', 'porsche'], /too many arguments for 'cars'/],
    [
      'scenario validate without a file',
      ['scenario', 'validate'],
      /missing required argument 'file'/,
    ],
    ['demo with an unknown option', ['demo', '--out', '-'], /unknown option '--out'/],
    [
      'demo --vehicles 0',
      ['demo', '--vehicles', '0'],
      /--vehicles must be an integer between 1 and 1000/,
    ],
    ['demo --session too short', ['demo', '--session', '5s'], /--session/],
  ];
  for (const [name, args, pattern] of cases) {
    test(name, async () => {
      assertOneLineError(await runMain(args), 2, pattern);
    });
  }
});

describe('reportError', () => {
  const capture = (env: Record<string, string | undefined> = {}) => {
    const { io, stderr } = captureIo({ env });
    return { io, text: stderr };
  };

  test('maps expected errors to one line and their exit status', () => {
    const cases = [
      [new UsageError('--x is wrong'), 2],
      [new ScenarioError('hot.yaml: /events/0: bad'), 2],
      [new IoError('cannot write x: permission denied'), 1],
      [new ProfileError('golf.json: /mass_kg: must be number'), 1],
    ] as const;
    for (const [error, status] of cases) {
      const { io, text } = capture();
      assert.equal(reportError(error, io), status);
      assert.equal(text(), `pitwall: ${error.message}\n`);
    }
  });

  test('an unexpected error is one line without PITWALL_DEBUG, with its stack with it', () => {
    const quiet = capture();
    assert.equal(reportError(new TypeError('x is undefined'), quiet.io), 1);
    assert.equal(
      quiet.text(),
      'pitwall: unexpected error: x is undefined (set PITWALL_DEBUG=1 to see where)\n',
    );
    const debug = capture({ PITWALL_DEBUG: '1' });
    assert.equal(reportError(new TypeError('x is undefined'), debug.io), 1);
    assert.match(
      debug.text(),
      /^pitwall: unexpected error: x is undefined\nTypeError: x is undefined\n\s+at /,
    );
  });

  test('multi-line messages are folded onto one line', () => {
    const { io, text } = capture();
    reportError(new UsageError('first\n  second'), io);
    assert.equal(text(), 'pitwall: first second\n');
  });
});

describe('main: simulate into the embedded log', () => {
  test('--sink local produces every event, keyed by vehicle, byte for byte as the file has it', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const logDir = path.join(dir, 'log');
      const file = path.join(dir, 't.ndjson');
      const common = ['simulate', '--vehicles', '3', '--duration', '20s', '--seed', '9', '--quiet'];
      const toLog = await runMain([
        ...common,
        '--sink',
        'local',
        '--log-dir',
        logDir,
        '--topic',
        'tele',
        '--partitions',
        '2',
      ]);
      assert.equal(toLog.code, 0, toLog.stderr);
      const toFile = await runMain([...common, '--out', file]);
      assert.equal(toFile.code, 0, toFile.stderr);
      const expected = (await readFile(file, 'utf8')).trimEnd().split('\n');

      const { EmbeddedLog } = await import('../../src/log/embedded/embedded-log.js');
      const log = new EmbeddedLog({ dir: logDir });
      try {
        const consumer = log.createConsumer({ groupId: 'cli-test', autoOffsetReset: 'earliest' });
        try {
          await consumer.subscribe(['tele']);
          const received: { key: string; value: string }[] = [];
          for (let k = 0; k < 50 && received.length < expected.length; k++) {
            for (const m of await consumer.poll({ timeoutMs: 200, maxMessages: 10_000 })) {
              received.push({
                key: Buffer.from(m.key ?? []).toString(),
                value: Buffer.from(m.value).toString(),
              });
            }
          }
          assert.equal(received.length, expected.length);
          assert.deepEqual(new Set(received.map((r) => r.value)), new Set(expected));
          for (const r of received) {
            assert.equal((JSON.parse(r.value) as { vehicle_id: string }).vehicle_id, r.key);
          }
        } finally {
          await consumer.close();
        }
      } finally {
        await log.close();
      }
    } finally {
      await cleanup();
    }
  });
});

describe('main: simulate in-process', () => {
  test('draws progress on a terminal and erases it before the summary', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const out = path.join(dir, 't.ndjson');
      const result = await runMain(
        ['simulate', '--vehicles', '2', '--duration', '5s', '--out', out],
        { stderrIsTTY: true },
      );
      assert.equal(result.code, 0, result.stderr);
      const draws = result.stderr.split('\r\x1b[K');
      assert.ok(draws.length >= 3, 'at least one progress line, then the erase');
      assert.match(
        draws[1]!,
        /^\s*\d+\.\d% {2}\S+ of 5s simulated {2}[\d,]+ events {2}[\d,]+ events\/s$/,
      );
      assert.match(
        draws.at(-1)!,
        /^simulated 5s: [\d,]+ events, 2 sessions, 2 vehicles in [\d.]+s -> .*t\.ndjson\n$/,
      );
      assert.ok((await readFile(out, 'utf8')).length > 0);
    } finally {
      await cleanup();
    }
  });

  test('no progress with --quiet, even on a terminal', async () => {
    const result = await runMain(
      ['simulate', '--vehicles', '1', '--duration', '2s', '--out', '-', '--quiet'],
      {
        stderrIsTTY: true,
      },
    );
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.ok(result.stdout.startsWith('{"schema_version":1,"event_type":"session_start"'));
  });
});
