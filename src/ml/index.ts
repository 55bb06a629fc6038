// Pitwall's machine learning: `import { RandomForestClassifier } from 'pitwall/ml'`.
export * from './forest/index.js';
export * from './metrics.js';
