// Publishing a page so a browser never sees half of it: write a hidden temporary file in the
// same folder, flush it, then rename(2) it over the target, which replaces the name in one
// step (POSIX rename: readers see the old file or the new one, never a mix).
import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '../../../errors.js';

/** Writes `text` (UTF-8) to `file` atomically; the folder must exist. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    const code = error instanceof Error && 'code' in error ? ` (${String(error.code)})` : '';
    throw new IoError(`cannot write the data-docs page ${file}${code}`, { cause: error });
  }
}
