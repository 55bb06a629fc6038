// Option objects are checked once where they enter the lake API: unknown keys are refused
// and the error names the bad path.
import { LakeDataError } from '../errors.js';

export function checkOptionKeys(options: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new LakeDataError(`${where}.${key}: unknown option (allowed: ${allowed.join(', ')})`);
    }
  }
}

/** An application transaction id: the batch `version` an `appId` is committing. */
export interface TxnId {
  readonly appId: string;
  readonly version: number;
}

export function checkTxnId(txn: TxnId, where: string): TxnId {
  if (typeof txn !== 'object' || txn === null) {
    throw new LakeDataError(`${where}: expected { appId, version }`);
  }
  checkOptionKeys(txn, ['appId', 'version'], where);
  if (typeof txn.appId !== 'string' || txn.appId === '') {
    throw new LakeDataError(`${where}.appId: must be a non-empty string`);
  }
  if (!Number.isSafeInteger(txn.version)) {
    throw new LakeDataError(`${where}.version: ${String(txn.version)} is not a safe integer`);
  }
  return { appId: txn.appId, version: txn.version };
}
