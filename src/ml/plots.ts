// Training plots as standalone SVG documents (run artifacts the MLflow UI shows inline):
// the confusion matrix and the feature importances. Plain strings, no chart library: two
// fixed layouts do not justify a dependency, and SVG text is easy to test.

/** Escapes text for SVG content and attribute values. */
function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

/**
 * A confusion matrix (rows: true class, columns: predicted), each cell shaded by its share
 * of the row (recall) and labelled with the count and that share.
 *
 * @example
 * writeFileSync('confusion_matrix.svg', confusionMatrixSvg(['eco', 'normal'], [[9, 1], [2, 8]]));
 */
export function confusionMatrixSvg(
  classes: readonly string[],
  matrix: readonly (readonly number[])[],
  title = 'Confusion matrix (test set)',
): string {
  const n = classes.length;
  if (matrix.length !== n || matrix.some((row) => row.length !== n)) {
    throw new RangeError(`confusion matrix must be ${n}×${n} for ${n} classes`);
  }
  const cell = 84;
  const left = 120;
  const top = 70;
  const width = left + n * cell + 30;
  const height = top + n * cell + 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">${esc(title)}</text>`,
    `<text x="${left + (n * cell) / 2}" y="${top - 28}" text-anchor="middle" font-size="12" fill="#444">predicted</text>`,
    `<text transform="translate(18 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#444">true</text>`,
  ];
  for (let j = 0; j < n; j++) {
    parts.push(
      `<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="12">${esc(classes[j] ?? '')}</text>`,
    );
  }
  for (let i = 0; i < n; i++) {
    const row = matrix[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0);
    parts.push(
      `<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="12">${esc(classes[i] ?? '')}</text>`,
    );
    for (let j = 0; j < n; j++) {
      const count = row[j] ?? 0;
      const share = total > 0 ? count / total : 0;
      // White → dark blue by share of the row.
      const shade = Math.round(255 - share * 200);
      const fill = `rgb(${shade},${Math.round(255 - share * 140)},255)`;
      const ink = share > 0.55 ? '#ffffff' : '#111111';
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#cccccc"/>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" font-size="15" fill="${ink}">${count}</text>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 18}" text-anchor="middle" font-size="11" fill="${ink}">${(share * 100).toFixed(1)}%</text>`,
      );
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Horizontal bars of the `top` largest importances, largest first.
 *
 * @example
 * writeFileSync('feature_importance.svg', featureImportanceSvg(names, forest.featureImportances));
 */
export function featureImportanceSvg(
  names: readonly string[],
  importances: ArrayLike<number>,
  options: { readonly top?: number; readonly title?: string } = {},
): string {
  if (names.length !== importances.length) {
    throw new RangeError(`${names.length} feature names but ${importances.length} importances`);
  }
  const title = options.title ?? 'Feature importance (mean decrease in impurity)';
  const ranked = names
    .map((name, i) => ({ name, value: importances[i] ?? 0 }))
    .sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1))
    .slice(0, options.top ?? 20);
  const max = Math.max(1e-12, ...ranked.map((r) => r.value));
  const left = 230;
  const barMax = 380;
  const rowH = 22;
  const top = 44;
  const width = left + barMax + 80;
  const height = top + ranked.length * rowH + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">${esc(title)}</text>`,
  ];
  ranked.forEach((r, k) => {
    const y = top + k * rowH;
    const w = Math.max(1, (r.value / max) * barMax);
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${esc(r.name)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#3b6fd8"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 15}" font-size="11" fill="#333">${r.value.toFixed(4)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
