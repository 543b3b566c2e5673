import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from './logger.js'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { lines, logger: createLogger({ level: 'debug', destination }) }
}

const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJlc2lnbmF0dXJl'

describe('logger', () => {
  it('never prints passwords, tokens, keys or authorization headers, at any depth', () => {
    const { lines, logger } = capture()
    logger.info(
      {
        password: 'hunter2hunter2',
        user: { email: 'a@b.c', newPassword: 'p4ssw0rd!', refreshToken: 'rt_secretvalue' },
        req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=s3cr3t' } },
        apiKey: 'sk_live_123456',
        list: [{ accessToken: jwt }],
      },
      'login attempt',
    )
    const out = lines.join('')
    for (const secret of [
      'hunter2hunter2',
      'p4ssw0rd!',
      'rt_secretvalue',
      'abc.def.ghi',
      's3cr3t',
      'sk_live_123456',
      jwt,
    ]) {
      expect(out).not.toContain(secret)
    }
    expect(out).toContain('a@b.c')
    expect(out).toContain('[redacted]')
  })

  it('scrubs bearer tokens, JWTs and URL credentials inside messages and strings', () => {
    const { lines, logger } = capture()
    logger.warn(`header was Bearer ${jwt} and ApiKey sk_abcdef`)
    logger.info({ url: 'postgres://app:topsecret@db:5432/x', note: `token ${jwt}` }, 'connect')
    const out = lines.join('')
    expect(out).not.toContain(jwt)
    expect(out).not.toContain('sk_abcdef')
    expect(out).not.toContain('topsecret')
    expect(out).toContain('postgres://app:[redacted]@db:5432/x')
  })

  it('logs errors with their message and without secrets in their fields', () => {
    const { lines, logger } = capture()
    logger.error({ err: Object.assign(new Error('boom'), { token: 'tok_xyz123' }) }, 'failed')
    const out = lines.join('')
    expect(out).toContain('boom')
    expect(out).not.toContain('tok_xyz123')
  })
})
