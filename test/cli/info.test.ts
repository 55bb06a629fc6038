// The informational commands: cars, drivers, scenario validate.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shippedCars } from '../../src/sim/car.js';
import { DRIVER_PROFILES } from '../../src/sim/drivers.js';
import { assertOneLineError, runCli, runMain, tempDir } from './helpers.js';

describe('pitwall cars, drivers, scenario', { concurrency: 3 }, () => {
  let dir = '';
  let cleanup: () => Promise<void> = () => Promise.resolve();
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('cars --json lists every shipped car with its published figures', async () => {
    const result = await runCli(['cars', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const cars = JSON.parse(result.stdout) as {
      id: string;
      zero_to_100_kmh_s: number;
      top_speed_kmh: number;
    }[];
    assert.deepEqual(
      cars.map((c) => c.id),
      shippedCars().map((c) => c.id),
    );
    for (const car of cars) {
      const profile = shippedCars().find((c) => c.id === car.id)!;
      assert.equal(car.zero_to_100_kmh_s, profile.published.zero_to_100_kmh_s);
      assert.equal(car.top_speed_kmh, profile.published.top_speed_kmh);
    }
  });

  test('cars prints a table with a row per car', async () => {
    const result = await runMain(['cars']);
    assert.equal(result.code, 0);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^id\s+fuel\s+0-100 km\/h\s+top speed\s+power\s+name$/);
    assert.equal(lines.length, 2 + shippedCars().length);
    for (const car of shippedCars()) {
      assert.ok(
        lines.some(
          (line) => line.startsWith(car.id) && line.includes(`${car.published.top_speed_kmh} km/h`),
        ),
        `row for ${car.id}`,
      );
    }
  });

  test('drivers lists every profile with its description, as a table or JSON', async () => {
    const json = await runMain(['drivers', '--json']);
    assert.equal(json.code, 0);
    assert.deepEqual(
      JSON.parse(json.stdout),
      DRIVER_PROFILES.map((p) => ({ name: p.name, description: p.description })),
    );
    const table = await runMain(['drivers']);
    for (const profile of DRIVER_PROFILES) {
      assert.match(
        table.stdout,
        new RegExp(`^${profile.name}\\s+${profile.description.slice(0, 20)}`, 'm'),
      );
    }
  });

  test('scenario validate accepts a shipped scenario file', async () => {
    const result = await runCli(['scenario', 'validate', 'scenarios/hot-climb.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'ok: scenarios/hot-climb.yaml (scenario "hot-climb", 3 events)\n');
    assert.equal(result.stderr, '');
  });

  test('scenario validate accepts a shipped scenario name', async () => {
    const result = await runMain(['scenario', 'validate', 'cold-start-harsh-brake']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^ok: cold-start-harsh-brake \(scenario "cold-start-harsh-brake", 5 events\)\n$/,
    );
  });

  test('scenario validate rejects an invalid file with one line and exit 2', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: bad\nevents:\n  - { at: 10s, type: grade, duration: 1m }\n');
    const result = await runCli(['scenario', 'validate', file]);
    assertOneLineError(result, 2, /^pitwall: bad\.yaml: \/events\/0: .*grade_pct/);
  });

  test('scenario validate rejects text that is not YAML', async () => {
    const file = path.join(dir, 'broken.yaml');
    await writeFile(file, 'name: [unclosed\n');
    assertOneLineError(
      await runMain(['scenario', 'validate', file]),
      2,
      /broken\.yaml: not valid YAML/,
    );
  });
});
