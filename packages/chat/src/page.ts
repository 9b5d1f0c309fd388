/**
 * The chat page: one HTML document with inline JS (no build step) that opens a WebSocket
 * back to the server it came from, sends the nick, then each line typed, and shows every
 * line of the room. `window.chatLines` (and `data-lines` on <body>) hold what arrived,
 * for tests. Suspends: no (it only builds a string).
 * @example
 * const html = chatPage('/chat/ws');
 */
export function chatPage(socketPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>diesel chat</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 24px; max-width: 760px; background: #fafafa; color: #222; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  #status { color: #666; margin-bottom: 12px; }
  #log { background: #fff; border: 1px solid #ccc; border-radius: 4px; height: 360px; overflow-y: auto; padding: 8px; font: 14px ui-monospace, monospace; white-space: pre-wrap; }
  #log .system { color: #777; }
  #log .error { color: #b00; }
  form { display: flex; gap: 8px; margin-top: 8px; }
  input[type=text] { flex: 1; padding: 6px; font: inherit; }
  [hidden] { display: none !important; }
</style>
</head>
<body data-lines="0">
<h1>diesel chat</h1>
<div id="status">connecting…</div>
<div id="log" aria-live="polite"></div>
<form id="nick-form"><input id="nick" type="text" placeholder="your nick" autocomplete="off" maxlength="32" required><button>join</button></form>
<form id="say-form" hidden><input id="say" type="text" placeholder="say something (/who, /quit)" autocomplete="off"><button>send</button></form>
<script>
(() => {
  const log = document.getElementById('log');
  const status = document.getElementById('status');
  const nickForm = document.getElementById('nick-form');
  const sayForm = document.getElementById('say-form');
  const nickInput = document.getElementById('nick');
  const sayInput = document.getElementById('say');
  window.chatLines = [];
  let nick = null;

  function show(line) {
    window.chatLines.push(line);
    document.body.dataset.lines = String(window.chatLines.length);
    const div = document.createElement('div');
    div.textContent = line;                       // text, never HTML: nobody can inject markup
    if (line.startsWith('* ')) div.className = 'system';
    if (line.startsWith('! ')) div.className = 'error';
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Reconnects after a close (the server halting says 1001 "going away"), waiting a little
  // longer each time up to 10 s, and joins again under the same nick.
  let socket = null;
  let retry = 500;
  window.connections = 0;
  function connect() {
  socket = new WebSocket(scheme + '//' + location.host + ${JSON.stringify(socketPath)});
  socket.onopen = () => {
    retry = 500;
    window.connections += 1;
    document.body.dataset.connections = String(window.connections);
    if (nick === null) {
      status.textContent = 'connected: choose a nick';
      nickForm.hidden = false;
      nickInput.focus();
    } else {
      status.textContent = 'reconnected: joining as ' + nick;
      socket.send(nick);
    }
  };
  socket.onclose = (event) => {
    window.lastClose = { code: event.code, reason: event.reason };
    document.body.dataset.lastClose = String(event.code);
    status.textContent = 'disconnected (' + event.code + (event.reason ? ' ' + event.reason : '') + '); reconnecting';
    sayForm.hidden = true;
    nickForm.hidden = true;
    if (event.code === 1000) return; // a normal close (after /quit): stay out
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  };
  socket.onmessage = (event) => {
    const line = String(event.data);
    show(line);
    if (nick !== null && line === '* ' + nick + ' joined' && sayForm.hidden) {
      status.textContent = 'in the room as ' + nick;
      nickForm.hidden = true;
      sayForm.hidden = false;
      sayInput.focus();
    }
  };
  }
  connect();
  nickForm.onsubmit = (event) => {
    event.preventDefault();
    nick = nickInput.value.trim();
    if (nick !== '') socket.send(nick);
  };
  sayForm.onsubmit = (event) => {
    event.preventDefault();
    if (sayInput.value.trim() !== '') socket.send(sayInput.value);
    sayInput.value = '';
  };
})();
</script>
</body>
</html>
`;
}
