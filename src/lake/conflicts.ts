// Logical conflict detection for optimistic concurrency: after losing the race for a
// version, a commit checks each winning commit against what it read and wrote.
import { CommitConflictError, ConcurrentTransactionError } from '../errors.js';
import type { Action } from './actions.js';

/** What a pending commit depends on and changes. */
export interface CommitFootprint {
  /** The commit changes the table's metadata or protocol. */
  readonly changesMetadata: boolean;
  /** Application ids of the transactions it records. */
  readonly appIds: ReadonlySet<string>;
  /** Paths of the files it removes. */
  readonly removedPaths: ReadonlySet<string>;
}

export function footprintOf(actions: readonly Action[]): CommitFootprint {
  const appIds = new Set<string>();
  const removedPaths = new Set<string>();
  let changesMetadata = false;
  for (const action of actions) {
    if ('txn' in action) appIds.add(action.txn.appId);
    else if ('remove' in action) removedPaths.add(action.remove.path);
    else if ('metaData' in action || 'protocol' in action) changesMetadata = true;
  }
  return { changesMetadata, appIds, removedPaths };
}

/**
 * Throws when the commit at `winnerVersion` invalidates ours; returns when ours can simply
 * move to a later version. Rules, after Delta's own writers:
 * - the winner changed protocol or metadata: our files and plan may not fit any more;
 * - we change metadata: it was planned against a state the winner has changed;
 * - the winner recorded a transaction for one of our application ids: two instances of one
 *   streaming writer (ConcurrentTransactionError);
 * - the winner removed a file we remove: a concurrent delete;
 * - otherwise (the winner blindly appended, or removed files we do not touch) ours still
 *   applies and is rebased.
 */
export function checkConflict(
  ours: CommitFootprint,
  winnerVersion: number,
  winner: readonly Action[],
): void {
  for (const action of winner) {
    if ('protocol' in action) {
      throw new CommitConflictError(
        `version ${winnerVersion} changed the table protocol concurrently; re-read the table and retry`,
        winnerVersion,
      );
    }
    if ('metaData' in action) {
      throw new CommitConflictError(
        `version ${winnerVersion} changed the table metadata concurrently; re-read the table and retry`,
        winnerVersion,
      );
    }
    if ('txn' in action && ours.appIds.has(action.txn.appId)) {
      throw new ConcurrentTransactionError(
        `version ${winnerVersion} recorded transaction ${action.txn.version} for application '${action.txn.appId}' concurrently: another writer with the same appId is running`,
        action.txn.appId,
        winnerVersion,
      );
    }
    if ('remove' in action && ours.removedPaths.has(action.remove.path)) {
      throw new CommitConflictError(
        `version ${winnerVersion} removed ${action.remove.path}, which this commit removes too`,
        winnerVersion,
      );
    }
  }
  if (ours.changesMetadata) {
    throw new CommitConflictError(
      `this commit changes table metadata, but version ${winnerVersion} was committed after the version it read`,
      winnerVersion,
    );
  }
}
