// Which gold sessions a run must recompute. Gold records the silver versions it consumed
// (txn appIds in GOLD_APP_IDS); silver telemetry is append-only between full refreshes, so
// the files it gained since then hold every new row, and the sessions table tells which
// labels changed. A session is touched when it has new telemetry rows (its windows near them
// change, late rows included) or a new label; everything else in gold stays as it is.
import {
  DeltaTable,
  activeFilePaths,
  filesAddedSince,
  scanSql,
  snapshotWithFiles,
  type Snapshot,
} from '../../lake/index.js';
import { quoteLiteral } from '../../lake/schema.js';
import { GOLD_APP_IDS } from './schema.js';

/** Recompute everything (and say why), or only the touched sessions. */
export type GoldPlan =
  | { readonly kind: 'full'; readonly reason: string }
  | {
      readonly kind: 'sessions';
      /** Silver telemetry as far as it gained files since the version gold consumed. */
      readonly addedTelemetry: Snapshot;
      /** The sessions table gold consumed (undefined: none), to diff labels against. */
      readonly previousSessions: Snapshot | undefined;
    };

async function snapshotAt(table: Snapshot, version: number): Promise<Snapshot | undefined> {
  // The snapshot's storage opens the same table; time travel needs its log from `version` on.
  let delta: DeltaTable | undefined;
  try {
    delta = await DeltaTable.open(table.storage);
    return await delta.snapshot(version);
  } catch {
    return undefined;
  } finally {
    delta?.close();
  }
}

/**
 * Decides what a gold run recomputes. `gold` is the gold table's current snapshot,
 * `telemetry` / `sessions` the silver snapshots this run reads.
 */
export async function planGold(
  gold: Snapshot,
  telemetry: Snapshot,
  sessions: Snapshot | undefined,
): Promise<GoldPlan> {
  const consumed = gold.txnVersion(GOLD_APP_IDS.telemetry);
  if (consumed === undefined || gold.files.length === 0) {
    return { kind: 'full', reason: 'no gold yet' };
  }
  if (consumed > telemetry.version) {
    return {
      kind: 'full',
      reason: `silver telemetry is at v${telemetry.version}, before v${consumed}`,
    };
  }
  const before = await snapshotAt(telemetry, consumed);
  if (before === undefined) {
    return { kind: 'full', reason: `silver telemetry v${consumed} can no longer be read` };
  }
  // A removed file means silver was rebuilt (a full refresh): rows may have gone.
  if (before.files.some((add) => !telemetry.filesByPath.has(add.path))) {
    return { kind: 'full', reason: 'silver telemetry was rewritten' };
  }
  const consumedSessions = gold.txnVersion(GOLD_APP_IDS.sessions);
  let previousSessions: Snapshot | undefined;
  if (consumedSessions !== undefined) {
    if (sessions === undefined) return { kind: 'full', reason: 'silver sessions are gone' };
    previousSessions = await snapshotAt(sessions, consumedSessions);
    if (previousSessions === undefined) {
      return { kind: 'full', reason: `silver sessions v${consumedSessions} can no longer be read` };
    }
  }
  const added = snapshotWithFiles(telemetry, filesAddedSince(before, telemetry));
  return { kind: 'sessions', addedTelemetry: added, previousSessions };
}

const EMPTY_SESSIONS =
  'SELECT CAST(NULL AS VARCHAR) AS session_id, CAST(NULL AS VARCHAR) AS driver_profile WHERE false';

/** One label per session, as the gold SQL joins it (max over repeated rows). */
function labelsSql(snapshot: Snapshot | undefined): string {
  const source = snapshot === undefined ? EMPTY_SESSIONS : scanSql(snapshot);
  return `SELECT session_id, max(driver_profile) AS label FROM (${source}) GROUP BY session_id`;
}

/**
 * The touched sessions of a `sessions` plan as a query of one column, `session_id`: those
 * with rows in the added telemetry files, and those whose label changed.
 */
export function touchedSessionsSql(
  plan: Extract<GoldPlan, { kind: 'sessions' }>,
  sessions: Snapshot | undefined,
): string {
  const parts: string[] = [];
  if (plan.addedTelemetry.files.length > 0) {
    const files = activeFilePaths(plan.addedTelemetry);
    parts.push(
      `SELECT DISTINCT session_id FROM read_parquet([${files.map(quoteLiteral).join(', ')}])`,
    );
  }
  parts.push(
    `SELECT coalesce(n.session_id, o.session_id) AS session_id
     FROM (${labelsSql(sessions)}) AS n
     FULL OUTER JOIN (${labelsSql(plan.previousSessions)}) AS o ON o.session_id = n.session_id
     WHERE n.label IS DISTINCT FROM o.label`,
  );
  return parts.join('\nUNION\n');
}
