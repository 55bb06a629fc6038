import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confusionMatrixSvg, featureImportanceSvg } from '../../src/ml/plots.js';

describe('training plots', () => {
  it('draws one cell per class pair with counts and row shares, escaping labels', () => {
    const svg = confusionMatrixSvg(
      ['eco', '<b>&'],
      [
        [9, 1],
        [2, 8],
      ],
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<rect x=/g) ?? []).length, 4);
    assert.match(svg, />90\.0%</);
    assert.match(svg, />20\.0%</);
    assert.ok(svg.includes('&lt;b&gt;&amp;') && !svg.includes('<b>'));
    assert.throws(() => confusionMatrixSvg(['a', 'b'], [[1, 2]]), /2×2/);
  });

  it('ranks importances, largest first, keeping the top N', () => {
    const svg = featureImportanceSvg(['a', 'b', 'c'], [0.2, 0.7, 0.1], { top: 2 });
    const order = [...svg.matchAll(/text-anchor="end" font-size="12">(\w)</g)].map((m) => m[1]);
    assert.deepEqual(order, ['b', 'a']);
    assert.throws(() => featureImportanceSvg(['a'], [0.1, 0.2]), /1 feature names but 2/);
  });
});
