import { lstat, realpath } from 'node:fs/promises'
import { dirname, join, sep } from 'node:path'
import { invalidKey } from '../files/file-key.js'

/**
 * The path of a validated `key` under `root` (itself a real path). Key validation already keeps the path inside
 * lexically; this also refuses (FILE_KEY_INVALID) a key whose existing part resolves, through a symlink, outside the
 * root, a key that runs through a dangling symlink (whose target could be created anywhere), and a key with a
 * segment longer than the filesystem allows in one name (usually 255 bytes).
 */
export async function pathInside(root: string, key: string): Promise<string> {
  const target = join(root, ...key.split('/'))
  for (let probe = target; ; probe = dirname(probe)) {
    try {
      const real = await realpath(probe)
      if (real !== root && !real.startsWith(root + sep)) throw invalidKey(key)
      return target
    } catch (error) {
      if (codeOf(error) === 'ENAMETOOLONG') throw invalidKey(key)
      if (!isMissing(error) || probe === root) throw error
      if (await isSymlink(probe)) throw invalidKey(key)
    }
  }
}

/** Whether a filesystem error means the path (or one of its folders) is not there. */
export function isMissing(error: unknown): boolean {
  const code = codeOf(error)
  return code === 'ENOENT' || code === 'ENOTDIR'
}

export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink()
  } catch {
    return false
  }
}
