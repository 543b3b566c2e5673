// The peer for bench/fanout.js: a Socket.IO server whose clients join one room; POST /emit broadcasts the body to it.
import { createServer } from 'node:http'
import { Server } from 'socket.io'

const http = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/emit') return response.writeHead(404).end()
  let body = ''
  request.on('data', (chunk) => (body += chunk))
  request.on('end', () => {
    io.to('session').emit('state', JSON.parse(body))
    response.writeHead(200).end('{}')
  })
})
const io = new Server(http, { transports: ['websocket'] })
io.on('connection', (socket) => void socket.join('session'))
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${http.address().port}` })}\n`,
  )
})
process.on('SIGTERM', () => process.exit(0))
