import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { openSocket } from '../support/ws-client.js'
import { type FileView, filesClient } from './file-support.js'

const MiB = 1024 * 1024
const maxUploadBytes = 8 * MiB

interface Sent {
  status: number
  body: string
  /** File bytes written by the client when the answer arrived. */
  bytesSent: number
}

/**
 * Streams a one-part multipart upload of `size` bytes over real HTTP, writing with backpressure and stopping as
 * soon as an answer arrives. `pause` may hold the client at a byte count until it resolves.
 */
function streamUpload(
  base: string,
  who: Account,
  options: {
    size: number
    query?: string
    pause?: { at: number; until: () => Promise<unknown>; thenDisconnect?: boolean }
  },
): Promise<Sent> {
  const boundary = `----stream-${randomBytes(6).toString('hex')}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n` +
      'Content-Type: text/csv\r\n\r\n',
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const chunk = Buffer.from('id,value\n'.repeat(7282).slice(0, 64 * 1024))
  return new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    let paused = false
    const req = request(`${base}/api/v1/files${options.query ?? ''}`, {
      method: 'POST',
      headers: {
        ...who.auth,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': head.length + options.size + tail.length,
      },
    })
    req.on('response', (res) => {
      answered = true
      const bytesSent = sent
      const parts: Buffer[] = []
      res.on('data', (data: Buffer) => parts.push(data))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), bytesSent }),
      )
    })
    // Once answered, the server closes the connection under the remaining writes; that is expected.
    req.on('error', (error) => {
      if (!answered) reject(error)
    })
    const pump = (): void => {
      while (!answered && sent < options.size) {
        if (options.pause && !paused && sent >= options.pause.at) {
          paused = true
          const disconnect = () => {
            answered = true
            req.destroy()
            resolve({ status: 0, body: '', bytesSent: sent })
          }
          void options.pause.until().then(options.pause.thenDisconnect ? disconnect : pump, reject)
          return
        }
        const piece = chunk.subarray(0, Math.min(chunk.length, options.size - sent))
        sent += piece.length
        if (!req.write(piece)) {
          req.once('drain', pump)
          return
        }
      }
      if (!answered) req.end(tail)
    }
    req.write(head)
    pump()
  })
}

describeOnProfiles('Data Steward files over real HTTP', (profile) => {
  let node: Platform
  let base: string
  let folder: string
  let admin: Account
  const client = filesClient(() => node)

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'symphainy-files-'))
    node = await profile.startNode({
      PORT: '0',
      SYMPHAINY_FILES_URL: `file:${folder}`,
      SYMPHAINY_MAX_UPLOAD_BYTES: String(maxUploadBytes),
    })
    base = await node.listen()
    admin = await signUp(node.gateway)
  })
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  it('answers 413 FILE_TOO_LARGE while a much larger body is still being sent, and keeps nothing', async () => {
    const tenant = await signUp(node.gateway)
    const size = 256 * MiB
    const sent = await streamUpload(base, tenant, { size })
    expect(sent.status, sent.body).toBe(413)
    expect(JSON.parse(sent.body)).toMatchObject({
      error: { code: 'FILE_TOO_LARGE', details: { maxBytes: maxUploadBytes } },
    })
    expect(sent.bytesSent).toBeLessThan(size / 2)
    expect(await client.storedKeys(tenant.tenantId)).toEqual([])
    expect(await readdir(join(folder, '.tmp~'))).toEqual([])
    const list = await client.call(tenant, 'GET', '/api/v1/files')
    expect(list.json()).toEqual({ items: [], nextCursor: null })
  })

  it('keeps nothing of an upload whose client disconnects halfway', async () => {
    const tenant = await signUp(node.gateway)
    const temporary = join(folder, '.tmp~')
    const sent = await streamUpload(base, tenant, {
      size: 6 * MiB,
      pause: {
        at: 3 * MiB,
        // Hold the client until the server is demonstrably writing the upload to a temporary file.
        until: () =>
          vi.waitFor(async () => expect(await readdir(temporary)).not.toEqual([]), { timeout: 10_000 }),
        thenDisconnect: true,
      },
    })
    expect(sent.bytesSent).toBeLessThan(6 * MiB)
    await vi.waitFor(async () => expect(await readdir(temporary)).toEqual([]), { timeout: 10_000 })
    expect(await client.storedKeys(tenant.tenantId)).toEqual([])
    expect((await client.call(tenant, 'GET', '/api/v1/files')).json()).toEqual({
      items: [],
      nextCursor: null,
    })
  })

  it('stores an upload of exactly the limit', async () => {
    const sent = await streamUpload(base, admin, { size: maxUploadBytes })
    expect(sent.status, sent.body).toBe(201)
    expect(JSON.parse(sent.body)).toMatchObject({ size: maxUploadBytes })
  })

  it('publishes bytes-received progress on the upload channel of the uploader tenant only', async () => {
    const stranger = await signUp(node.gateway)
    const uploadId = `up-${randomBytes(6).toString('hex')}`
    const channel = `events:file.upload.${uploadId}`
    const mine = await openSocket(base, admin.accessToken)
    const theirs = await openSocket(base, stranger.accessToken)
    try {
      for (const socket of [mine, theirs]) {
        socket.send({ op: 'subscribe', channel })
        await socket.waitFor((f) => f['type'] === 'subscribed')
      }
      const payloadOf = (frame: Record<string, unknown>) =>
        (frame['data'] as { payload: { state: string; bytesReceived: number; fileId?: string } }).payload
      const size = 6 * MiB
      // The client holds its last megabytes back until a progress event has arrived: progress is observable
      // while the upload is still going on.
      const sent = await streamUpload(base, admin, {
        size,
        query: `?uploadId=${uploadId}`,
        pause: {
          at: 4 * MiB,
          until: () =>
            mine.waitFor(
              (f) =>
                f['type'] === 'event' &&
                payloadOf(f).state === 'receiving' &&
                payloadOf(f).bytesReceived >= MiB,
            ),
        },
      })
      expect(sent.status, sent.body).toBe(201)
      const file = JSON.parse(sent.body) as FileView
      const final = await mine.waitFor((f) => f['type'] === 'event' && payloadOf(f).state === 'stored')
      expect(final).toMatchObject({
        channel,
        data: { type: `file.upload.${uploadId}`, payload: { uploadId, state: 'stored', fileId: file.id } },
      })
      expect(payloadOf(final).bytesReceived).toBe(size)

      const progress = mine.frames.filter((f) => f['type'] === 'event').map(payloadOf)
      const receiving = progress.filter((p) => p.state === 'receiving').map((p) => p.bytesReceived)
      expect(receiving.length).toBeGreaterThanOrEqual(3)
      expect(receiving.every((bytes, i) => i === 0 || bytes > receiving[i - 1]!)).toBe(true)
      expect(receiving.every((bytes) => bytes <= size)).toBe(true)
      expect(theirs.frames.filter((f) => f['type'] === 'event')).toEqual([])
    } finally {
      mine.socket.close()
      theirs.socket.close()
    }
  })

  it('ends the progress of a refused upload with a failed event', async () => {
    const uploadId = `up-${randomBytes(6).toString('hex')}`
    const socket = await openSocket(base, admin.accessToken)
    try {
      socket.send({ op: 'subscribe', channel: `events:file.upload.${uploadId}` })
      await socket.waitFor((f) => f['type'] === 'subscribed')
      const sent = await streamUpload(base, admin, { size: 12 * MiB, query: `?uploadId=${uploadId}` })
      expect(sent.status).toBe(413)
      const failed = await socket.waitFor(
        (f) =>
          f['type'] === 'event' && (f['data'] as { payload: { state: string } }).payload.state === 'failed',
      )
      expect(failed).toMatchObject({ data: { payload: { uploadId, code: 'FILE_TOO_LARGE' } } })
    } finally {
      socket.socket.close()
    }
  })
})
