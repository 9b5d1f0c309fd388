// The reference: the same line protocol (nick first, then `nick: text` to everyone,
// `* nick joined`) written with nothing but node:net callbacks, run as a child process
// by run.mjs. No limits, no /who: the least a Node chat server can do.
import net from 'node:net';

const members = new Set();
const broadcast = (line) => {
  for (const member of members) member.write(`${line}\r\n`);
};
const server = net.createServer({ noDelay: true }, (socket) => {
  let nick = null;
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\n'); at !== -1; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at).trim();
      buffer = buffer.slice(at + 1);
      if (nick === null) {
        nick = line;
        members.add(socket);
        broadcast(`* ${nick} joined`);
      } else if (line !== '') broadcast(`${nick}: ${line}`);
    }
  });
  socket.on('close', () => {
    if (members.delete(socket)) broadcast(`* ${nick} left`);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`line protocol on 127.0.0.1:${server.address().port}\n`));
