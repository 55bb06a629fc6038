// Gold: 10-second window features per session, from one spec to SQL (lake) and TypeScript
// (live inference).
export * from './expr.js';
export * from './feature-spec.js';
export {
  goldFeaturesSql,
  GOLD_SQL_DIALECTS,
  GOLD_KEY_COLUMNS,
  GOLD_LABEL_COLUMN,
  type GoldSqlDialect,
  type GoldSqlOptions,
} from './sql.js';
export { OnlineFeatureComputer, type OnlineFeatureRow } from './online.js';
export { GOLD_APP_IDS, GOLD_TABLES, goldSchema } from './schema.js';
export {
  buildGold,
  createGoldLayer,
  goldLayer,
  telemetryViewSql,
  type BuildGoldOptions,
  type BuildGoldResult,
  type GoldLayerOptions,
} from './build-gold.js';
