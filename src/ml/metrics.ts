// Classification metrics with scikit-learn's definitions: accuracy, balanced accuracy,
// per-class precision/recall/F1, macro F1, the confusion matrix and one-vs-rest ROC AUC.
// A class with no predictions (or no true rows) scores 0 where scikit-learn would warn
// and use zero_division=0.
import { MlError } from '../errors.js';

export interface ClassScores {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** True rows of this class. */
  readonly support: number;
}

export interface ConfusionMatrix {
  /** Row and column order. */
  readonly labels: readonly string[];
  /** `matrix[i][j]`: rows whose true label is labels[i] predicted as labels[j]. */
  readonly matrix: readonly (readonly number[])[];
}

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly balancedAccuracy: number;
  readonly macroF1: number;
  readonly perClass: readonly ClassScores[];
  readonly confusion: ConfusionMatrix;
  /** One-vs-rest ROC AUC of `positiveClass`, when probabilities and that class were given. */
  readonly rocAuc?: { readonly positiveClass: string; readonly value: number };
}

function checkPair(yTrue: readonly string[], yPred: readonly string[]): void {
  if (yTrue.length !== yPred.length) {
    throw new MlError(`y_true has ${yTrue.length} labels but y_pred has ${yPred.length}`);
  }
  if (yTrue.length === 0) throw new MlError('metrics need at least one label');
}

/** Sorted union of the labels in both (scikit-learn's unique_labels). */
export function labelsOf(...ys: readonly (readonly string[])[]): string[] {
  const set = new Set<string>();
  for (const y of ys) for (const label of y) set.add(label);
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Share of rows predicted right. */
export function accuracy(yTrue: readonly string[], yPred: readonly string[]): number {
  checkPair(yTrue, yPred);
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return right / yTrue.length;
}

/** Rows = true label, columns = predicted label, in `labels` order (default: sorted union). */
export function confusionMatrix(
  yTrue: readonly string[],
  yPred: readonly string[],
  labels: readonly string[] = labelsOf(yTrue, yPred),
): ConfusionMatrix {
  checkPair(yTrue, yPred);
  const index = new Map(labels.map((label, k) => [label, k]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]!);
    const p = index.get(yPred[i]!);
    // scikit-learn ignores rows whose labels are not in `labels`.
    if (t !== undefined && p !== undefined) matrix[t]![p]! += 1;
  }
  return { labels: [...labels], matrix };
}

/** Precision, recall, F1 and support of each label (default: sorted union of both). */
export function perClassScores(
  yTrue: readonly string[],
  yPred: readonly string[],
  labels: readonly string[] = labelsOf(yTrue, yPred),
): ClassScores[] {
  const { matrix } = confusionMatrix(yTrue, yPred, labels);
  return labels.map((label, k) => {
    const tp = matrix[k]![k]!;
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < labels.length; j++) {
      predicted += matrix[j]![k]!;
      actual += matrix[k]![j]!;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = actual === 0 ? 0 : tp / actual;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support: actual };
  });
}

/** Unweighted mean of the per-label F1 scores. */
export function macroF1(
  yTrue: readonly string[],
  yPred: readonly string[],
  labels: readonly string[] = labelsOf(yTrue, yPred),
): number {
  const scores = perClassScores(yTrue, yPred, labels);
  return scores.reduce((sum, s) => sum + s.f1, 0) / scores.length;
}

/** Mean recall over the labels present in `yTrue` (scikit-learn's balanced_accuracy_score). */
export function balancedAccuracy(yTrue: readonly string[], yPred: readonly string[]): number {
  const present = perClassScores(yTrue, yPred).filter((s) => s.support > 0);
  return present.reduce((sum, s) => sum + s.recall, 0) / present.length;
}

/**
 * Area under the ROC curve of `positive` against the rest, from each row's score for
 * `positive` (its probability). Tied scores count half (Mann–Whitney U with mid-ranks).
 */
export function rocAucOneVsRest(
  yTrue: readonly string[],
  scores: ArrayLike<number>,
  positive: string,
): number {
  if (yTrue.length !== scores.length) {
    throw new MlError(`y_true has ${yTrue.length} labels but there are ${scores.length} scores`);
  }
  const n = yTrue.length;
  let nPos = 0;
  for (const label of yTrue) if (label === positive) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new MlError(
      `ROC AUC of "${positive}" needs rows of that class and of others (got ${nPos} and ${nNeg})`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    // Ranks i+1 … j+1 share the mean rank.
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (yTrue[order[k]!] === positive) rankSumPos += rank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * All of the above at once. With `proba` (rows × classes, row-major, columns in `classes`
 * order) and `positiveClass`, also that class's one-vs-rest ROC AUC.
 */
export function classificationMetrics(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: {
    readonly labels?: readonly string[];
    readonly proba?: Float64Array;
    readonly classes?: readonly string[];
    readonly positiveClass?: string;
  } = {},
): ClassificationMetrics {
  const labels = options.labels ?? labelsOf(yTrue, yPred);
  const perClass = perClassScores(yTrue, yPred, labels);
  let rocAuc: ClassificationMetrics['rocAuc'];
  const { proba, classes, positiveClass } = options;
  if (proba !== undefined && classes !== undefined && positiveClass !== undefined) {
    const k = classes.indexOf(positiveClass);
    if (k < 0) {
      throw new MlError(`positive class "${positiveClass}" is not one of ${classes.join(', ')}`);
    }
    const scores = new Float64Array(yTrue.length);
    for (let i = 0; i < yTrue.length; i++) scores[i] = proba[i * classes.length + k]!;
    rocAuc = { positiveClass, value: rocAucOneVsRest(yTrue, scores, positiveClass) };
  }
  return {
    accuracy: accuracy(yTrue, yPred),
    balancedAccuracy: balancedAccuracy(yTrue, yPred),
    macroF1: perClass.reduce((sum, s) => sum + s.f1, 0) / perClass.length,
    perClass,
    confusion: confusionMatrix(yTrue, yPred, labels),
    ...(rocAuc === undefined ? {} : { rocAuc }),
  };
}
