import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, runMain } from './helpers.js';

const COMMANDS = ['demo', 'simulate', 'cars', 'drivers', 'scenario'];

describe('pitwall help', { concurrency: 3 }, () => {
  test('--help lists every command and exits 0', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^Usage: pitwall /);
    for (const name of COMMANDS) assert.match(result.stdout, new RegExp(`^  ${name}\\b`, 'm'));
  });

  test('simulate --help lists every option with its default', async () => {
    const result = await runCli(['simulate', '--help']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    for (const flag of [
      '--vehicles <n>',
      '--hz <n>',
      '--duration <d>',
      '--session-duration <d>',
      '--seed <n>',
      '--drivers <profile>',
      '--cars <car>',
      '--faults <preset>',
      '--fault-rate <name=value>',
      '--scenario <file|name>',
      '--start <time>',
      '--realtime',
      '--speed <x>',
      '--out <file>',
      '--sink <kind>',
      '--quiet',
    ]) {
      assert.ok(result.stdout.includes(flag), `help mentions ${flag}`);
    }
    assert.match(result.stdout, /number of vehicles, 1-100000 \(default: 10\)/);
    assert.match(result.stdout, /mix \| aggressive \| normal \| eco \| cautious/);
  });

  test('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  for (const command of [...COMMANDS, 'scenario validate']) {
    test(`${command} --help prints its usage and exits 0`, async () => {
      const result = await runMain([...command.split(' '), '--help']);
      assert.equal(result.code, 0);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, new RegExp(`^Usage: pitwall ${command} `));
      assert.match(result.stdout, /-h, --help/);
    });
  }

  test('help <command> is the same as <command> --help', async () => {
    const viaHelp = await runMain(['help', 'cars']);
    const viaOption = await runMain(['cars', '--help']);
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.stdout, viaOption.stdout);
  });

  test('no command prints help on stderr and exits 2', async () => {
    const result = await runMain([]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^Usage: pitwall /);
  });
});
