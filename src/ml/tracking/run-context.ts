// The tags MLflow's own client puts on every run (mlflow/tracking/context/): who ran it,
// from which program and at which git commit, so runs from Pitwall read like any other.
import { existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SYSTEM_TAGS = {
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  gitCommit: 'mlflow.source.git.commit',
  note: 'mlflow.note.content',
} as const;

function currentUser(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env['USER'] ?? env['USERNAME'] ?? 'unknown';
  }
}

/** The commit checked out in the git work tree holding `dir`, if any (no git binary needed). */
export function gitCommitOf(dir: string): string | undefined {
  let current = path.resolve(dir);
  for (;;) {
    const dotGit = path.join(current, '.git');
    if (existsSync(dotGit)) {
      try {
        let gitDir = dotGit;
        if (statSync(dotGit).isFile()) {
          const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
          if (pointer === undefined) return undefined;
          gitDir = path.resolve(current, pointer.trim());
        }
        const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
        const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
        if (ref === undefined) return /^[0-9a-f]{40}$/.test(head) ? head : undefined;
        const commonDir = existsSync(path.join(gitDir, 'commondir'))
          ? path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim())
          : gitDir;
        for (const base of [gitDir, commonDir]) {
          const loose = path.join(base, ...ref.split('/'));
          if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
        }
        const packed = path.join(commonDir, 'packed-refs');
        if (existsSync(packed)) {
          for (const line of readFileSync(packed, 'utf8').split('\n')) {
            const [sha, name] = line.trim().split(' ');
            if (name === ref && sha !== undefined) return sha;
          }
        }
      } catch {
        return undefined;
      }
      return undefined;
    }
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** `mlflow.user`, `mlflow.source.name`, `mlflow.source.type` and, in a git tree, the commit. */
export function defaultRunTags(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const tags: Record<string, string> = {
    [SYSTEM_TAGS.user]: currentUser(env),
    [SYSTEM_TAGS.sourceName]:
      process.argv[1] === undefined ? 'pitwall' : path.resolve(process.argv[1]),
    [SYSTEM_TAGS.sourceType]: 'LOCAL',
  };
  const commit = gitCommitOf(process.cwd());
  if (commit !== undefined) tags[SYSTEM_TAGS.gitCommit] = commit;
  return tags;
}

/** A readable default run name: `pitwall-20260102-030405-a1b2`. */
export function defaultRunName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `pitwall-${stamp}-${Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}
