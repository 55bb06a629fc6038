// Pitwall's random forest: scikit-learn's RandomForestClassifier on binned data, trained on
// worker threads, stored flat, saved as a versioned model file.
export {
  RandomForestClassifier,
  PERMUTATION_SCORINGS,
  type FitOptions,
  type FitProgress,
  type PermutationImportance,
  type PermutationImportanceOptions,
  type PermutationScoring,
} from './random-forest.js';
export {
  featureMatrix,
  featureMatrixFromColumns,
  MATRIX_LAYOUTS,
  type FeatureMatrix,
  type MatrixLayout,
} from './matrix.js';
export {
  DEFAULT_FOREST_PARAMS,
  type ClassWeight,
  type ForestParams,
  type MaxFeatures,
  type RandomForestOptions,
} from './options.js';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, MODEL_MAGIC } from './model-format.js';
export {
  readTableData,
  takeRows,
  tableScanSql,
  type ReadTableOptions,
  type TableData,
} from './table-data.js';
