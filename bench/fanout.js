// WebSocket fan-out and idle-socket memory. Run: npm run bench:fanout
// 1. One session-state change delivered to 1,000 subscribed sockets, repeated ROUNDS times: Symphainy (PUT on the
//    state, delivery through pub/sub and the WebSocket hub, each frame carrying version + data) vs a Socket.IO 4
//    server broadcasting the same JSON to a room of 1,000 clients (websocket transport). Both servers run as
//    their own processes; the clients live in this script. Reports deliveries/s and the ratio.
// 2. RSS of the Symphainy server process holding IDLE authenticated idle sockets.
import { join } from 'node:path'
import WebSocket from 'ws'
import { io as ioClient } from 'socket.io-client'
import { root, rssMb, startProcess as start, symphainyStart } from './support.js'

const SOCKETS = Number(process.env.SOCKETS ?? 1000)
const ROUNDS = Number(process.env.ROUNDS ?? 50)
const IDLE = Number(process.env.IDLE ?? 10000)

const json = async (url, init) =>
  (await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } })).json()

function openSymphainy(address, token, channel, onState) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${address.replace('http', 'ws')}/ws`, ['symphainy', `bearer.${token}`])
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.type === 'ready' && channel) socket.send(JSON.stringify({ op: 'subscribe', channel }))
      if (frame.type === 'ready' && !channel) resolve(socket)
      if (frame.type === 'state' && frame.version === 0) resolve(socket)
      else if (frame.type === 'state') onState(frame.version)
    })
    socket.on('error', reject)
  })
}

async function measure(label, clientsReady, emit) {
  let received = 0
  let expected = 0
  let done
  const deliver = () => {
    received++
    if (received === expected) done()
  }
  await clientsReady(deliver)
  const started = performance.now()
  for (let round = 1; round <= ROUNDS; round++) {
    expected = SOCKETS * round
    const all = new Promise((resolve) => (done = resolve))
    await emit(round)
    await all
  }
  const seconds = (performance.now() - started) / 1000
  const rate = (SOCKETS * ROUNDS) / seconds
  console.log(
    `${label.padEnd(44)} ${((seconds * 1000) / ROUNDS).toFixed(1)} ms per fan-out, ${Math.round(rate)} deliveries/s`,
  )
  return rate
}

const blob = { step: 'analyse', answers: { a: 1, b: [1, 2, 3], note: 'x'.repeat(200) } }
const symphainy = await start(symphainyStart, {
  SYMPHAINY_WS_MAX_CONNECTIONS_PER_USER: String(IDLE + SOCKETS + 10),
})
const peer = await start([join(root, 'bench/peers/socketio-server.js')])
try {
  const signup = await json(`${symphainy.address}/api/v1/auth/signup`, {
    method: 'POST',
    body: JSON.stringify({
      email: 'fanout@example.com',
      password: 'correct horse battery staple',
      name: 'Fan',
    }),
  })
  const auth = { authorization: `Bearer ${signup.accessToken}` }
  const session = await json(`${symphainy.address}/api/v1/sessions`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ sessionType: 'bench' }),
  })

  const ours = await measure(
    `symphainy: state change → ${SOCKETS} sockets`,
    async (deliver) => {
      for (let i = 0; i < SOCKETS; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, SOCKETS - i) }, () =>
            openSymphainy(symphainy.address, signup.accessToken, `session:${session.id}`, deliver),
          ),
        )
      }
    },
    (round) =>
      fetch(`${symphainy.address}/api/v1/sessions/${session.id}/state`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ data: { ...blob, round } }),
      }),
  )
  const theirs = await measure(
    `socket.io 4: room broadcast → ${SOCKETS} sockets`,
    async (deliver) => {
      const connected = []
      for (let i = 0; i < SOCKETS; i++) {
        const client = ioClient(peer.address, { transports: ['websocket'], forceNew: true })
        client.on('state', deliver)
        connected.push(new Promise((resolve) => client.on('connect', resolve)))
      }
      await Promise.all(connected)
      await new Promise((r) => setTimeout(r, 500))
    },
    (round) =>
      fetch(`${peer.address}/emit`, {
        method: 'POST',
        body: JSON.stringify({
          type: 'state',
          channel: `session:${session.id}`,
          version: round,
          data: { ...blob, round },
        }),
      }),
  )
  console.log(`ratio symphainy ÷ socket.io deliveries/s: ${(ours / theirs).toFixed(2)}x (goal ≥ 1.0)`)

  const before = rssMb(symphainy.child.pid)
  for (let i = 0; i < IDLE; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, IDLE - i) }, () =>
        openSymphainy(symphainy.address, signup.accessToken, undefined),
      ),
    )
  }
  await new Promise((r) => setTimeout(r, 2000))
  const after = rssMb(symphainy.child.pid)
  console.log(
    `symphainy RSS with ${IDLE} more idle authenticated sockets: ${after.toFixed(0)} MB (was ${before.toFixed(0)} MB; goal ≤ 1024 MB)`,
  )
} finally {
  symphainy.child.kill('SIGTERM')
  peer.child.kill('SIGTERM')
  setTimeout(() => process.exit(0), 500).unref()
}
