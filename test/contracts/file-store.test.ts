import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalFileStore } from '../../src/adapters/fs/file-store.js'
import { createMemoryFileStore } from '../../src/adapters/memory/file-store.js'
import { describeFileStoreContract, hostileKeys, readAll } from './file-store.contract.js'

describeFileStoreContract({
  name: 'local folder',
  create: async () => {
    const folder = await mkdtemp(join(tmpdir(), 'symphainy-files-'))
    const store = await createLocalFileStore({ url: `file:${join(folder, 'root')}` })
    return {
      store,
      cleanup: async () => {
        await store.close()
        await rm(folder, { recursive: true, force: true })
      },
    }
  },
})

describeFileStoreContract({
  name: 'memory',
  create: () => {
    const store = createMemoryFileStore()
    return Promise.resolve({ store, cleanup: () => store.close() })
  },
})

describe('local folder store', () => {
  let folder: string
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true })
  })
  const openStore = async () => {
    folder = await mkdtemp(join(tmpdir(), 'symphainy-files-'))
    const root = join(folder, 'root')
    return { root, store: await createLocalFileStore({ url: `file:${root}` }) }
  }

  it('writes nothing outside its root, whatever the key', async () => {
    const { root, store } = await openStore()
    for (const key of hostileKeys) {
      await store.put(key, 'escape attempt').catch(() => undefined)
    }
    expect(await readdir(folder)).toEqual(['root'])
    expect(await readdir(root)).toEqual(['.tmp~'])
    expect(await readdir(join(root, '.tmp~'))).toEqual([])
  })

  it('refuses keys that pass through a symlink pointing outside the root', async () => {
    const { root, store } = await openStore()
    const outside = join(folder, 'outside')
    await mkdir(outside)
    await writeFile(join(outside, 'secret.txt'), 'secret')
    await symlink(outside, join(root, 'link'))
    await symlink(join(outside, 'secret.txt'), join(root, 'secret-link'))
    await symlink(join(outside, 'not-yet'), join(root, 'dangling'))

    const invalid = { code: 'FILE_KEY_INVALID' }
    for (const key of ['link/secret.txt', 'secret-link']) {
      await expect(store.get(key)).rejects.toMatchObject(invalid)
      await expect(store.stat(key)).rejects.toMatchObject(invalid)
      await expect(store.delete(key)).rejects.toMatchObject(invalid)
    }
    await expect(store.put('link/new.txt', 'x')).rejects.toMatchObject(invalid)
    await expect(store.put('link/deeper/new.txt', 'x')).rejects.toMatchObject(invalid)
    await expect(store.put('dangling/new.txt', 'x')).rejects.toMatchObject(invalid)
    await expect(store.list('link/')).rejects.toMatchObject(invalid)
    expect((await store.list('')).items).toEqual([])
    expect((await readdir(outside)).sort()).toEqual(['secret.txt'])
  })

  it('refuses a key segment longer than the filesystem allows in one name', async () => {
    const { store } = await openStore()
    const key = `k/${'n'.repeat(300)}`
    await expect(store.put(key, 'x')).rejects.toMatchObject({ code: 'FILE_KEY_INVALID' })
    await expect(store.get(key)).rejects.toMatchObject({ code: 'FILE_KEY_INVALID' })
    expect((await store.list('')).items).toEqual([])
  })

  it('follows a symlink that stays inside the root', async () => {
    const { root, store } = await openStore()
    await store.put('real/file.txt', 'inside')
    await symlink(join(root, 'real'), join(root, 'alias'))
    expect((await readAll(await store.get('alias/file.txt'))).toString()).toBe('inside')
  })

  it('removes folders that a delete leaves empty, but not the root', async () => {
    const { root, store } = await openStore()
    await store.put('a/b/c/one', '1')
    await store.put('a/two', '2')
    await store.delete('a/b/c/one')
    expect(await readdir(join(root, 'a'))).toEqual(['two'])
    await store.delete('a/two')
    expect(await readdir(root)).toEqual(['.tmp~'])
  })

  it('opens relative paths and file:// URLs, creating the folder', async () => {
    folder = await mkdtemp(join(tmpdir(), 'symphainy-files-'))
    const viaRelative = await createLocalFileStore({
      url: `file:${relative(process.cwd(), join(folder, 'rel'))}`,
    })
    await viaRelative.put('k', 'relative')
    expect(await readdir(join(folder, 'rel'))).toContain('k')
    const viaUrl = await createLocalFileStore({ url: pathToFileURL(join(folder, 'url', 'deep')).href })
    await viaUrl.put('k', 'url')
    expect(await readdir(join(folder, 'url', 'deep'))).toContain('k')
  })

  it('removes stale temporary files on open and keeps fresh ones', async () => {
    const { root } = await openStore()
    const temp = join(root, '.tmp~')
    await writeFile(join(temp, 'stale.part'), 'x')
    await writeFile(join(temp, 'fresh.part'), 'x')
    const { utimes } = await import('node:fs/promises')
    const longAgo = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000)
    await utimes(join(temp, 'stale.part'), longAgo, longAgo)
    await createLocalFileStore({ url: `file:${root}` })
    expect(await readdir(temp)).toEqual(['fresh.part'])
  })
})
