// The embedded log's admin: topics and groups, each change one write transaction. Creating
// or deleting a topic rebalances every group, so subscribers pick new topics up and drop
// deleted ones at their next poll.
import { ERROR_CODES, LogError } from '../../errors.js';
import { checkOffset, checkPartition, checkTopicName, resolveTopicOptions } from '../options.js';
import type { CreateTopicOptions, GroupDescription, LogAdmin, TopicDescription } from '../types.js';
import {
  openDatabase,
  readTransaction,
  toLogError,
  writeTransaction,
  type DatabaseSettings,
  type SqliteDatabase,
} from './database.js';
import { GroupStore } from './group-store.js';
import { LogStore } from './log-store.js';

export class EmbeddedAdmin implements LogAdmin {
  readonly #db: SqliteDatabase;
  readonly #log: LogStore;
  readonly #groups: GroupStore;
  readonly #onClose: () => void;
  #closed = false;

  constructor(settings: DatabaseSettings, onClose: () => void) {
    this.#db = openDatabase(settings);
    this.#log = new LogStore(this.#db);
    this.#groups = new GroupStore(this.#db, this.#log);
    this.#onClose = onClose;
  }

  createTopic(topic: string, options: CreateTopicOptions): Promise<boolean> {
    return this.#run(`cannot create topic "${topic}"`, () =>
      writeTransaction(this.#db, () => {
        const resolved = resolveTopicOptions(topic, options);
        const created = this.#log.createTopic(topic, resolved, Date.now());
        if (created) this.#groups.rebalanceAll();
        return created;
      }),
    );
  }

  listTopics(): Promise<string[]> {
    return this.#run('cannot list topics', () => this.#log.topicNames());
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return this.#run(`cannot describe topic "${topic}"`, () => {
      checkTopicName(topic);
      return readTransaction(this.#db, () => this.#log.describeTopic(topic));
    });
  }

  deleteTopic(topic: string): Promise<void> {
    return this.#run(`cannot delete topic "${topic}"`, () =>
      writeTransaction(this.#db, () => {
        checkTopicName(topic);
        this.#log.deleteTopic(topic);
        this.#groups.rebalanceAll();
      }),
    );
  }

  deleteRecords(
    topic: string,
    offsets: readonly { partition: number; offset: number }[],
  ): Promise<void> {
    return this.#run(`cannot delete records of "${topic}"`, () =>
      writeTransaction(this.#db, () => {
        checkTopicName(topic);
        if (!Array.isArray(offsets)) {
          throw new LogError(
            ERROR_CODES.logInvalidArgument,
            `deleteRecords("${topic}") needs an array of offsets`,
          );
        }
        const row = this.#log.requireTopic(topic);
        for (const { partition, offset } of offsets) {
          checkPartition(topic, partition, row.partitions);
          checkOffset(`deleteRecords offset of ${topic}-${partition}`, offset);
          this.#log.deleteRecords(row, partition, offset);
        }
      }),
    );
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return this.#run(`cannot describe group "${groupId}"`, () => {
      if (typeof groupId !== 'string' || groupId.length === 0) {
        throw new LogError(ERROR_CODES.logInvalidArgument, 'describeGroup needs a group id');
      }
      return this.#groups.describe(groupId, Date.now());
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
      this.#onClose();
    }
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #run<T>(what: string, fn: () => T): Promise<T> {
    if (this.#closed)
      return Promise.reject(new LogError(ERROR_CODES.logClosed, 'the admin is closed'));
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toLogError(error, what));
    }
  }
}
