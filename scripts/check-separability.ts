// Reports how well the best single-statistic rule (≤ 3 thresholds) separates the
// driver profiles on sessions it did not see. Usage:
//   npm run check:separability -- [--vehicles 48] [--minutes 10] [--sessions 2] [--seed 7] [--csv out.csv]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DRIVER_PROFILE_NAMES } from '../src/sim/drivers.js';
import { rankSingleFeatureRules, splitSessions, windowDataset } from '../src/sim/separability.js';

const { values } = parseArgs({
  options: {
    vehicles: { type: 'string', default: '48' },
    minutes: { type: 'string', default: '10' },
    sessions: { type: 'string', default: '2' },
    seed: { type: 'string', default: '7' },
    csv: { type: 'string' },
  },
});
const started = performance.now();
const data = windowDataset({
  vehicles: Number(values.vehicles),
  sessionSeconds: Number(values.minutes) * 60,
  sessionsPerVehicle: Number(values.sessions),
  seed: Number(values.seed),
});
if (values.csv) {
  const nf = data.features.length;
  const lines = [[...data.features, 'session', 'label'].join(',')];
  for (let r = 0; r < data.rows; r++) {
    const row = Array.from(data.x.subarray(r * nf, (r + 1) * nf), (v) => String(v));
    lines.push([...row, data.session[r], DRIVER_PROFILE_NAMES[data.y[r]!]].join(','));
  }
  writeFileSync(values.csv, lines.join('\n') + '\n');
}
const { train } = splitSessions(data, 0.3, Number(values.seed));
const rules = rankSingleFeatureRules(data, train);
console.log(
  `windows: ${data.rows} (${new Set(data.session).size} sessions), features: ${data.features.length}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
console.log('feature'.padEnd(24) + 'train'.padStart(8) + 'test'.padStart(8) + '  rule');
for (const rule of rules.slice(0, 10)) {
  const parts = rule.classes.map(
    (c, k) =>
      `${k > 0 ? `≥${rule.thresholds[k - 1]!.toPrecision(4)} ` : ''}${DRIVER_PROFILE_NAMES[c]}`,
  );
  console.log(
    rule.feature.padEnd(24) +
      (rule.trainAccuracy * 100).toFixed(1).padStart(8) +
      (rule.testAccuracy * 100).toFixed(1).padStart(8) +
      '  ' +
      parts.join(' | '),
  );
}
const best = rules[0]!;
const verdict = best.testAccuracy < 0.8 ? 'OK: below 80 %' : 'TOO SEPARABLE: at or above 80 %';
console.log(
  `best single-feature rule: ${best.feature} ${(best.testAccuracy * 100).toFixed(1)} % on unseen sessions — ${verdict}`,
);
console.log(
  JSON.stringify({
    name: 'separability',
    best_feature: best.feature,
    best_single_feature_test_accuracy: best.testAccuracy,
    windows: data.rows,
  }),
);
process.exitCode = best.testAccuracy < 0.8 ? 0 : 1;
