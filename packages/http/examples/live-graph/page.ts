/**
 * The live-graph page: one HTML document with inline JS that opens a WebSocket back to
 * the server it came from and plots every value (a number in [0, 1)) on a canvas as it
 * arrives. `window.pointCount` and `data-points` on <body> say how many have been drawn.
 */
export function liveGraphPage(socketPath: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>diesel live graph</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 24px; background: #fafafa; color: #222; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  #status { color: #666; margin-bottom: 12px; }
  canvas { background: #fff; border: 1px solid #ccc; border-radius: 4px; }
</style>
</head>
<body data-points="0">
<h1>diesel live graph</h1>
<div id="status">connecting…</div>
<canvas id="graph" width="800" height="320"></canvas>
<script>
(() => {
  const WINDOW = 100;                 // points shown across the canvas
  const canvas = document.getElementById('graph');
  const status = document.getElementById('status');
  const ctx = canvas.getContext('2d');
  const values = [];
  window.pointCount = 0;

  function draw() {
    const w = canvas.width, h = canvas.height, pad = 30;
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = '#ddd';
    ctx.fillStyle = '#888';
    ctx.font = '12px sans-serif';
    for (const y of [0, 0.25, 0.5, 0.75, 1]) {
      const py = h - pad - y * (h - 2 * pad);
      ctx.beginPath(); ctx.moveTo(pad, py); ctx.lineTo(w - 10, py); ctx.stroke();
      ctx.fillText(y.toFixed(2), 0, py + 4);
    }
    const shown = values.slice(-WINDOW);
    const step = (w - pad - 10) / (WINDOW - 1);
    const at = (i, v) => [pad + i * step, h - pad - v * (h - 2 * pad)];
    ctx.strokeStyle = '#1f6feb';
    ctx.lineWidth = 2;
    ctx.beginPath();
    shown.forEach((v, i) => { const [x, y] = at(i, v); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
    ctx.stroke();
    ctx.fillStyle = '#1f6feb';
    shown.forEach((v, i) => { const [x, y] = at(i, v); ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI); ctx.fill(); });
  }

  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Reconnects after a close (the server halting says 1001 "going away"), waiting a little
  // longer each time up to 10 s, so a restarted server gets its page back by itself.
  let retry = 500;
  window.connections = 0;
  function connect() {
  const socket = new WebSocket(scheme + '//' + location.host + ${JSON.stringify(socketPath)});
  socket.onopen = () => {
    retry = 500;
    window.connections += 1;
    document.body.dataset.connections = String(window.connections);
    status.textContent = 'connected: values arrive over a WebSocket';
  };
  socket.onmessage = (event) => {
    const v = Number(event.data);
    if (!(v >= 0 && v < 1)) return;
    values.push(v);
    window.pointCount = values.length;
    document.body.dataset.points = String(values.length);
    status.textContent = 'connected: ' + values.length + ' points, latest ' + v.toFixed(3);
    draw();
  };
  socket.onclose = (event) => {
    window.lastClose = { code: event.code, reason: event.reason };
    document.body.dataset.lastClose = String(event.code);
    status.textContent = 'closed (' + event.code + (event.reason ? ' ' + event.reason : '') + ') after ' + values.length + ' points; reconnecting';
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  };
  }
  connect();
  draw();
})();
</script>
</body>
</html>
`;
}
