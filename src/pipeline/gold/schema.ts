// The gold feature table: its path under the lake root and its columns, derived from the
// feature spec (keys, one double per feature, the label).
import type { LakeField, TableSchema } from '../../lake/index.js';
import { FEATURES, type FeatureSpec } from './feature-spec.js';
import { GOLD_LABEL_COLUMN } from './sql.js';

/** Delta application ids recording the silver versions gold consumed (txn versions). */
export const GOLD_APP_IDS = {
  telemetry: 'pitwall-gold/silver-telemetry',
  sessions: 'pitwall-gold/silver-sessions',
} as const;

export const GOLD_TABLES = { features: 'gold/features' } as const;

/** Gold columns: keys, features (double, null where a statistic is undefined), label. */
export function goldSchema(features: readonly FeatureSpec[] = FEATURES): TableSchema {
  const fields: LakeField[] = [
    { name: 'session_id', type: 'string', nullable: false },
    { name: 'vehicle_id', type: 'string', nullable: false },
    { name: 'window_end', type: 'timestamp', nullable: false },
    { name: 'window_seconds', type: 'integer', nullable: false },
    { name: 'sample_count', type: 'long', nullable: false },
    ...features.map((f): LakeField => ({ name: f.name, type: 'double' })),
    { name: GOLD_LABEL_COLUMN, type: 'string' },
  ];
  return { fields };
}
