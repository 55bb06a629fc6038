// Consumer groups kept in the log database, shared by every process that opens it.
//
// Protocol (each step one write transaction):
// - join: a member registers with its topics and session timeout; the group's generation
//   is bumped and the range assignor recomputes `assigned_to` for every partition.
// - heartbeat: a member refreshes `heartbeat_ms` and expires members whose session timed
//   out (their rows go, their partitions are released, the group rebalances).
// - release / claim: a member gives up partitions no longer assigned to it, and takes
//   those assigned to it whose owner is gone. The hand-over is cooperative: a partition is
//   never owned by two live members, so two members never fetch it at once.
// - commit: accepted only for partitions the committing member owns (fencing a member that
//   was expired or rebalanced away, as Kafka's generation check does).
// - leave: the member's rows go and the group rebalances at once.
import type { Statement } from 'better-sqlite3';
import { ERROR_CODES, LogError } from '../../errors.js';
import { rangeAssignTopics } from '../range-assignor.js';
import type { GroupDescription, TopicPartition, TopicPartitionOffset } from '../types.js';
import { writeTransaction, type SqliteDatabase } from './database.js';
import type { LogStore } from './log-store.js';

export interface MemberSettings {
  readonly groupId: string;
  readonly memberId: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  readonly sessionTimeoutMs: number;
}

/** A partition a member has just claimed, with what it needs to start fetching. */
export interface ClaimedPartition extends TopicPartition {
  readonly topicId: number;
  readonly committed: number | undefined;
}

export interface ClaimResult {
  /** False when the member is no longer in the group (expired): it must rejoin. */
  readonly member: boolean;
  readonly claimed: readonly ClaimedPartition[];
  /** Partitions assigned to this member still owned by another live member. */
  readonly waiting: number;
}

interface GroupPartitionRow {
  readonly topic: string;
  readonly partition: number;
  readonly assigned_to: string | null;
  readonly owner: string | null;
}

export class GroupStore {
  readonly #db: SqliteDatabase;
  readonly #log: LogStore;
  readonly #s: {
    readonly generation: Statement<[string]>;
    readonly member: Statement<[string, string]>;
    readonly members: Statement<[string]>;
    readonly expired: Statement<[string, number]>;
    readonly heartbeat: Statement<[number, string, string]>;
    readonly deleteMember: Statement<[string, string]>;
    readonly releaseAll: Statement<[string, string]>;
    readonly release: Statement<[string, string, number, string]>;
    readonly rows: Statement<[string]>;
    readonly rowsOf: Statement<{ group: string; member: string }>;
    readonly owner: Statement<[string, string, number]>;
    readonly committed: Statement<[string, string, number]>;
    readonly commit: Statement<[string, string, number, number, number]>;
  };

  constructor(db: SqliteDatabase, log: LogStore) {
    this.#db = db;
    this.#log = log;
    this.#s = {
      generation: db.prepare('SELECT generation FROM groups WHERE group_id = ?').pluck(),
      member: db
        .prepare('SELECT 1 FROM group_members WHERE group_id = ? AND member_id = ?')
        .pluck(),
      members: db.prepare(
        'SELECT member_id, client_id, topics FROM group_members WHERE group_id = ? ORDER BY member_id',
      ),
      expired: db
        .prepare(
          'SELECT member_id FROM group_members WHERE group_id = ? AND heartbeat_ms + session_timeout_ms < ?',
        )
        .pluck(),
      heartbeat: db.prepare(
        'UPDATE group_members SET heartbeat_ms = ? WHERE group_id = ? AND member_id = ?',
      ),
      deleteMember: db.prepare('DELETE FROM group_members WHERE group_id = ? AND member_id = ?'),
      releaseAll: db.prepare(
        'UPDATE group_partitions SET owner = NULL WHERE group_id = ? AND owner = ?',
      ),
      release: db.prepare(
        'UPDATE group_partitions SET owner = NULL WHERE group_id = ? AND topic = ? AND partition = ? AND owner = ?',
      ),
      rows: db.prepare(
        'SELECT topic, partition, assigned_to, owner FROM group_partitions WHERE group_id = ? ORDER BY topic, partition',
      ),
      rowsOf: db.prepare(
        `SELECT topic, partition, assigned_to, owner FROM group_partitions
         WHERE group_id = :group AND (assigned_to = :member OR owner = :member) ORDER BY topic, partition`,
      ),
      owner: db
        .prepare(
          'SELECT owner FROM group_partitions WHERE group_id = ? AND topic = ? AND partition = ?',
        )
        .pluck(),
      committed: db
        .prepare(
          'SELECT committed_offset FROM group_offsets WHERE group_id = ? AND topic = ? AND partition = ?',
        )
        .pluck(),
      commit: db.prepare(
        `INSERT INTO group_offsets (group_id, topic, partition, committed_offset, commit_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, topic, partition) DO UPDATE SET committed_offset = excluded.committed_offset, commit_ms = excluded.commit_ms`,
      ),
    };
  }

  /** Registers (or re-subscribes) a member and rebalances its group. */
  join(member: MemberSettings, now: number): void {
    writeTransaction(this.#db, () => {
      this.#db
        .prepare('INSERT OR IGNORE INTO groups (group_id, generation) VALUES (?, 0)')
        .run(member.groupId);
      this.#db
        .prepare(
          `INSERT INTO group_members (group_id, member_id, client_id, topics, session_timeout_ms, joined_ms, heartbeat_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (group_id, member_id) DO UPDATE SET topics = excluded.topics,
             session_timeout_ms = excluded.session_timeout_ms, heartbeat_ms = excluded.heartbeat_ms`,
        )
        .run(
          member.groupId,
          member.memberId,
          member.clientId,
          JSON.stringify(member.topics),
          member.sessionTimeoutMs,
          now,
          now,
        );
      this.#expire(member.groupId, now);
      this.rebalance(member.groupId);
    });
  }

  /** Refreshes a member's lease and expires dead members; false when this member itself is gone. */
  heartbeat(groupId: string, memberId: string, now: number): boolean {
    return writeTransaction(this.#db, () => {
      if (this.#s.heartbeat.run(now, groupId, memberId).changes === 0) return false;
      this.#expire(groupId, now);
      return true;
    });
  }

  /** Removes a member; its partitions go to the others at once. */
  leave(groupId: string, memberId: string): void {
    writeTransaction(this.#db, () => {
      this.#s.releaseAll.run(groupId, memberId);
      if (this.#s.deleteMember.run(groupId, memberId).changes > 0) this.rebalance(groupId);
    });
  }

  generation(groupId: string): number | undefined {
    return this.#s.generation.get(groupId) as number | undefined;
  }

  /** Partitions assigned to or owned by a member, as the group table has them now. */
  partitionsOf(groupId: string, memberId: string): GroupPartitionRow[] {
    return this.#s.rowsOf.all({ group: groupId, member: memberId }) as GroupPartitionRow[];
  }

  release(groupId: string, memberId: string, partitions: readonly TopicPartition[]): void {
    if (partitions.length === 0) return;
    writeTransaction(this.#db, () => {
      for (const { topic, partition } of partitions)
        this.#s.release.run(groupId, topic, partition, memberId);
    });
  }

  /**
   * Takes ownership of the partitions assigned to this member whose owner released them or
   * is no longer a member, reading their committed offsets in the same transaction.
   */
  claim(groupId: string, memberId: string): ClaimResult {
    return writeTransaction(this.#db, () => {
      if (this.#s.member.get(groupId, memberId) === undefined)
        return { member: false, claimed: [], waiting: 0 };
      const claimed: ClaimedPartition[] = [];
      let waiting = 0;
      for (const row of this.partitionsOf(groupId, memberId)) {
        if (row.assigned_to !== memberId || row.owner === memberId) continue;
        if (row.owner !== null && this.#s.member.get(groupId, row.owner) !== undefined) {
          waiting++;
          continue;
        }
        const topic = this.#log.topic(row.topic);
        if (!topic) continue;
        this.#db
          .prepare(
            'UPDATE group_partitions SET owner = ? WHERE group_id = ? AND topic = ? AND partition = ?',
          )
          .run(memberId, groupId, row.topic, row.partition);
        const committed = this.#s.committed.get(groupId, row.topic, row.partition) as
          number | undefined;
        claimed.push({ topic: row.topic, partition: row.partition, topicId: topic.id, committed });
      }
      return { member: true, claimed, waiting };
    });
  }

  /** Stores offsets for partitions this member owns; any other partition fails the whole commit. */
  commit(
    groupId: string,
    memberId: string,
    offsets: readonly TopicPartitionOffset[],
    now: number,
  ): void {
    writeTransaction(this.#db, () => {
      const member = this.#s.member.get(groupId, memberId) !== undefined;
      for (const { topic, partition, offset } of offsets) {
        const owner = this.#s.owner.get(groupId, topic, partition) as string | null | undefined;
        if (!member || owner !== memberId) {
          throw new LogError(
            ERROR_CODES.logCommitFailed,
            `cannot commit ${topic}-${partition} for group "${groupId}": ${
              member
                ? 'the partition was reassigned to another member'
                : 'this member left or expired from the group'
            }`,
          );
        }
        this.#s.commit.run(groupId, topic, partition, offset, now);
      }
    });
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.#s.committed.get(groupId, topic, partition) as number | undefined;
  }

  /**
   * Bumps the generation and recomputes the target assignment with the range assignor.
   * Call inside a write transaction.
   */
  rebalance(groupId: string): void {
    const members = this.#s.members.all(groupId) as { member_id: string; topics: string }[];
    const subscriptions = new Map(
      members.map((m) => [m.member_id, JSON.parse(m.topics) as string[]]),
    );
    const partitionCounts = new Map<string, number>();
    for (const topics of subscriptions.values()) {
      for (const name of topics) {
        const topic = this.#log.topic(name);
        if (topic) partitionCounts.set(name, topic.partitions);
      }
    }
    const target = rangeAssignTopics(subscriptions, partitionCounts);
    const existing = this.#s.rows.all(groupId) as GroupPartitionRow[];
    for (const row of existing) {
      const assignedTo = target.get(row.topic)?.[row.partition] ?? null;
      if (assignedTo === null && row.owner === null) {
        this.#db
          .prepare(
            'DELETE FROM group_partitions WHERE group_id = ? AND topic = ? AND partition = ?',
          )
          .run(groupId, row.topic, row.partition);
      } else if (assignedTo !== row.assigned_to) {
        this.#db
          .prepare(
            'UPDATE group_partitions SET assigned_to = ? WHERE group_id = ? AND topic = ? AND partition = ?',
          )
          .run(assignedTo, groupId, row.topic, row.partition);
      }
    }
    const upsert = this.#db.prepare(
      `INSERT INTO group_partitions (group_id, topic, partition, assigned_to, owner) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (group_id, topic, partition) DO UPDATE SET assigned_to = excluded.assigned_to`,
    );
    for (const [topic, owners] of target) {
      owners.forEach((member, partition) => upsert.run(groupId, topic, partition, member));
    }
    this.#db
      .prepare('UPDATE groups SET generation = generation + 1 WHERE group_id = ?')
      .run(groupId);
  }

  /** Rebalances every group (after topics appear or vanish). Call inside a write transaction. */
  rebalanceAll(): void {
    const groups = this.#db.prepare('SELECT group_id FROM groups').pluck().all() as string[];
    for (const groupId of groups) this.rebalance(groupId);
  }

  describe(groupId: string, now: number): GroupDescription {
    return writeTransaction(this.#db, () => {
      this.#expire(groupId, now);
      const members = this.#s.members.all(groupId) as {
        member_id: string;
        client_id: string;
        topics: string;
      }[];
      const rows = this.#s.rows.all(groupId) as GroupPartitionRow[];
      const offsets = (
        this.#db
          .prepare(
            'SELECT topic, partition, committed_offset FROM group_offsets WHERE group_id = ? ORDER BY topic, partition',
          )
          .all(groupId) as { topic: string; partition: number; committed_offset: number }[]
      ).map(({ topic, partition, committed_offset }) => {
        const topicRow = this.#log.topic(topic);
        const state = topicRow && this.#log.partitionState(topicRow.id, partition);
        return {
          topic,
          partition,
          offset: committed_offset,
          lag: Math.max(0, (state?.nextOffset ?? 0) - committed_offset),
        };
      });
      return {
        groupId,
        generation: this.generation(groupId) ?? 0,
        members: members.map((m) => ({
          memberId: m.member_id,
          clientId: m.client_id,
          topics: JSON.parse(m.topics) as string[],
          assignment: rows
            .filter((r) => r.owner === m.member_id)
            .map(({ topic, partition }) => ({ topic, partition })),
        })),
        offsets,
      };
    });
  }

  /** Removes members whose lease ran out, releasing their partitions. */
  #expire(groupId: string, now: number): void {
    const dead = this.#s.expired.all(groupId, now) as string[];
    for (const memberId of dead) {
      this.#s.releaseAll.run(groupId, memberId);
      this.#s.deleteMember.run(groupId, memberId);
    }
    if (dead.length > 0) this.rebalance(groupId);
  }
}
