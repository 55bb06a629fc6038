// Bad input, as a user meets it: a real process exits non-zero with one `pitwall: …`
// line on stderr and no stack trace. More cases run in-process in main.test.ts.
import { after, before, describe, test } from 'node:test';
import path from 'node:path';
import { assertOneLineError, runCli, tempDir } from './helpers.js';

describe('pitwall bad input (child process)', { concurrency: 4 }, () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  const usageCases: readonly (readonly [string, readonly string[], RegExp])[] = [
    [
      '--hz abc',
      ['--hz', 'abc'],
      /^pitwall: --hz must be a number between 10 and 50 \(got "abc"\)$/,
    ],
    ['--hz 5', ['--hz', '5'], /^pitwall: --hz must be a number between 10 and 50 \(got "5"\)$/],
    ['--duration 10x', ['--duration', '10x'], /--duration must be a duration .*\(got "10x"\)/],
    [
      '--drivers wild',
      ['--drivers', 'wild'],
      /--drivers must be one of mix, aggressive, normal, eco, cautious/,
    ],
    [
      '--vehicles 0',
      ['--vehicles', '0'],
      /--vehicles must be an integer between 1 and 100000 \(got "0"\)/,
    ],
    ['an unknown option', ['--turbo'], /^pitwall: unknown option '--turbo'$/],
    [
      '--fault-rate spike=2',
      ['--fault-rate', 'spike=2'],
      /--fault-rate spike must be a number between 0 and 1 \(got "2"\)/,
    ],
    ['--sink kafka without brokers', ['--sink', 'kafka'], /Kafka needs brokers: pass --brokers/],
    [
      '--sink kafka with a bad broker',
      ['--sink', 'kafka', '--brokers', 'localhost'],
      /--brokers: 'localhost' is not host:port/,
    ],
    ['--brokers without --sink kafka', ['--brokers', 'h:1'], /--brokers needs --sink kafka/],
    ['--sink mqtt', ['--sink', 'mqtt'], /--sink must be one of file, local, kafka/],
  ];
  for (const [name, args, pattern] of usageCases) {
    test(`simulate ${name} exits 2`, async () => {
      const out = path.join(dir, 'never.ndjson');
      assertOneLineError(await runCli(['simulate', '--out', out, ...args]), 2, pattern);
    });
  }

  test('simulate with a missing scenario file exits 2', async () => {
    const missing = path.join(dir, 'missing.yaml');
    assertOneLineError(
      await runCli(['simulate', '--scenario', missing, '--out', path.join(dir, 'x.ndjson')]),
      2,
      /cannot read scenario .*missing\.yaml/,
    );
  });

  test('simulate into a folder that does not exist exits 1', async () => {
    const out = path.join(dir, 'no', 'such', 'dir', 'x.ndjson');
    assertOneLineError(
      await runCli(['simulate', '--duration', '2s', '--out', out]),
      1,
      /cannot write .*x\.ndjson: no such directory/,
    );
  });

  test('an unknown command exits 2', async () => {
    assertOneLineError(await runCli(['simulte']), 2, /unknown command 'simulte'/);
  });
});
