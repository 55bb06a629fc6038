// Reading the transaction log: listing `_delta_log`, reading commits, and replaying them
// (from the newest usable checkpoint) into snapshots.
import { LakeError, TableNotFoundError } from '../errors.js';
import { LOG_DIR, commitKey, decodeActions, parseLogKey, type Action } from './actions.js';
import { readCheckpoint } from './checkpoint.js';
import type { DuckDbEngine } from './duckdb-engine.js';
import { ReplayState, type Snapshot } from './snapshot.js';
import type { LakeStorage } from './storage.js';

export interface LogListing {
  /** Commit versions present, ascending. */
  readonly commits: readonly number[];
  /** Classic checkpoint versions present, ascending. */
  readonly checkpoints: readonly number[];
}

export interface SnapshotOptions {
  /** Replay every commit from version 0, ignoring checkpoints (for checks and tests). */
  readonly ignoreCheckpoints?: boolean;
}

export class DeltaLog {
  /** The newest snapshot built so far: later ones replay only the commits after it. */
  private latest: Snapshot | undefined;

  constructor(
    readonly storage: LakeStorage,
    private readonly engine: DuckDbEngine,
  ) {}

  async list(): Promise<LogListing> {
    const commits: number[] = [];
    const checkpoints: number[] = [];
    for (const entry of await this.storage.list(`${LOG_DIR}/`)) {
      const file = parseLogKey(entry.key);
      if (file?.kind === 'commit') commits.push(file.version);
      else if (file?.kind === 'checkpoint') checkpoints.push(file.version);
    }
    return { commits, checkpoints };
  }

  async readCommit(version: number): Promise<Action[]> {
    const key = commitKey(version);
    return decodeActions(await this.storage.read(key), key);
  }

  commitExists(version: number): Promise<boolean> {
    return this.storage.exists(commitKey(version));
  }

  /**
   * The highest committed version at or after `known` (a version known to exist), found by
   * probing the next commit names: cheaper than listing a long log.
   */
  async latestVersionFrom(known: number): Promise<number> {
    let version = known;
    while (await this.commitExists(version + 1)) version++;
    return version;
  }

  /** The table at `version` (default: the latest). */
  async snapshot(version?: number, options: SnapshotOptions = {}): Promise<Snapshot> {
    if (version !== undefined && (!Number.isSafeInteger(version) || version < 0)) {
      throw new LakeError(`table version ${String(version)} is not a non-negative integer`);
    }
    const cached = this.latest;
    if (options.ignoreCheckpoints !== true && cached !== undefined) {
      if (version === cached.version) return cached;
      if (version === undefined || version > cached.version) {
        return this.remember(await this.advance(cached, version));
      }
    }
    const snapshot = await this.load(version, options);
    return version === undefined ? this.remember(snapshot) : snapshot;
  }

  private remember(snapshot: Snapshot): Snapshot {
    if (this.latest === undefined || snapshot.version > this.latest.version) this.latest = snapshot;
    return snapshot;
  }

  /** Replays the commits after a known snapshot, up to `target` or the last one. */
  private async advance(from: Snapshot, target: number | undefined): Promise<Snapshot> {
    const state = new ReplayState(from);
    while (target === undefined || state.version < target) {
      const next = state.version + 1;
      if (!(await this.commitExists(next))) {
        if (target === undefined) break;
        throw new LakeError(
          `${this.storage.uri} has no version ${target} (latest is ${state.version})`,
        );
      }
      state.apply(next, await this.readCommit(next));
    }
    return state.version === from.version ? from : state.toSnapshot(this.storage);
  }

  /** Builds a snapshot from a listing: newest usable checkpoint, then the commits after it. */
  private async load(version: number | undefined, options: SnapshotOptions): Promise<Snapshot> {
    const { commits, checkpoints } = await this.list();
    const latest = Math.max(commits.at(-1) ?? -1, checkpoints.at(-1) ?? -1);
    if (latest < 0) throw new TableNotFoundError(`no Delta table at ${this.storage.uri}`);
    const target = version ?? latest;
    if (target > latest) {
      throw new LakeError(`${this.storage.uri} has no version ${target} (latest is ${latest})`);
    }

    let state: ReplayState | undefined;
    let checkpointError: unknown;
    if (options.ignoreCheckpoints !== true) {
      // Newest first; a checkpoint that cannot be read falls back to an older one, then to
      // replaying the JSON commits.
      for (const checkpoint of checkpoints.filter((v) => v <= target).reverse()) {
        try {
          state = await readCheckpoint(this.engine, this.storage, checkpoint);
          break;
        } catch (error) {
          checkpointError ??= error;
        }
      }
    }
    state ??= new ReplayState();

    const present = new Set(commits);
    for (let next = state.version + 1; next <= target; next++) {
      if (!present.has(next)) {
        throw new LakeError(
          `${this.storage.uri}: commit ${next} is missing from the log and no readable checkpoint covers it`,
          { cause: checkpointError },
        );
      }
      state.apply(next, await this.readCommit(next));
    }
    return state.toSnapshot(this.storage);
  }
}
