// The point of comparison of BENCHMARKS.md's fan-out: a minimal broadcast server on the
// npm `ws` package. A client that sends "go" makes the server send the same message to
// every other client; nothing is stored, checked or authorized. Usage: node
// ws-broadcast.mjs PORT (prints "listening" when ready).
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 3999);
const wss = new WebSocketServer({ host: '127.0.0.1', port });
// About the size of an ecabinet attendance event.
const payload = JSON.stringify({
  type: 'event',
  event: { topic: 'meeting:1', seq: 0, kind: 'attendance.changed', at: 0, payload: { attendance: 'x'.repeat(240) } },
});
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    if (data.toString() !== 'go') return;
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === 1) client.send(payload);
    }
  });
});
wss.on('listening', () => console.log('listening'));
