// A local SMTP server for the browser tests: accepts every mail and keeps it, so that a
// test can assert on the reminder a member would receive. Speaks just enough SMTP for the
// server's mailer (lettre): EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
import { createServer } from 'node:net';

export function startSink(port) {
  const mails = [];
  const server = createServer((socket) => {
    let buffer = '';
    let data = null;
    let recipients = [];
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (data !== null) {
          if (line === '.') {
            mails.push({ recipients, data: data.join('\n') });
            recipients = [];
            data = null;
            socket.write('250 queued\r\n');
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith('EHLO') || upper.startsWith('HELO')) socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (upper.startsWith('RCPT TO')) { recipients.push(line.slice(8).trim().replace(/^<|>$/g, '')); socket.write('250 ok\r\n'); }
        else if (upper === 'DATA') { data = []; socket.write('354 go on\r\n'); }
        else if (upper === 'QUIT') { socket.end('221 bye\r\n'); }
        else socket.write('250 ok\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      mails,
      close: () => new Promise((r) => server.close(r)),
      async waitFor(pred, ms = 15000) {
        const until = Date.now() + ms;
        for (;;) {
          const found = mails.find(pred);
          if (found) return found;
          if (Date.now() > until) throw new Error(`no such mail; got ${JSON.stringify(mails)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    }));
  });
}
