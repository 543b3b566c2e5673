// The peer for bench/startup.js: a bare Fastify hello-world serving /ready, started as its own process.
import Fastify from 'fastify'

const app = Fastify()
app.get('/ready', () => ({ hello: 'world' }))
const address = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`${JSON.stringify({ msg: 'listening', address })}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
