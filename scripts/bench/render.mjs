// Renders bench-results/*.json (the shape scripts/bench/lib.mjs writes) into
//   - docs/bench.svg: one bar per benchmark, its ratio against its peer (median bar,
//     min–max whisker over the rounds), with the goal drawn as a line and 1.0 marked;
//   - the marked sections of the READMEs: everything between
//       <!-- bench-table NAME[,NAME...] -->  and  <!-- /bench-table -->
//     is replaced by the table of those result files' rows; `NAME:ID` picks one row of a
//     file by its id (`go-ceiling:hello-node`), so a README shows only its own rows.
// `pnpm bench` runs it after the packages' benches; `node scripts/bench/render.mjs` alone
// re-renders from the results already there.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, RESULTS_DIR, markdownTable } from './lib.mjs';

const results = new Map();
if (existsSync(RESULTS_DIR)) {
  for (const file of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort()) {
    try {
      const data = JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8'));
      if (Array.isArray(data.rows)) results.set(file.replace(/\.json$/, ''), data);
    } catch (error) {
      console.error(`render: skipping ${file}: ${error.message}`);
    }
  }
}
if (results.size === 0) {
  console.error('render: no results in bench-results/ (run `pnpm bench` first)');
  process.exit(0);
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function svg(rows, machines) {
  // Wide enough for the longest row name with its peer (the log and Queue rows).
  const labelW = 600;
  const plotW = 420;
  const rowH = 26;
  const top = 58;
  const height = top + rows.length * rowH + 46;
  const width = labelW + plotW + 150;
  const maxRatio = Math.max(1.6, ...rows.map((r) => Math.min(r.ratio.max ?? 0, 2.5)), ...rows.map((r) => r.goal ?? 0)) * 1.05;
  const x = (v) => labelW + (Math.min(v, maxRatio) / maxRatio) * plotW;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="12" y="20" font-size="15" font-weight="600">diesel / peer (above 1 is better; rates as diesel/peer, CPU per unit as peer/diesel)</text>`);
  out.push(`<text x="12" y="38" fill="#555">${esc(machines)}</text>`);
  // Grid: 0.5 steps, 1.0 emphasised.
  for (let v = 0; v <= maxRatio; v += 0.5) {
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + rows.length * rowH}" stroke="${v === 1 ? '#333' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${gx}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#555">${v.toFixed(1)}×</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2;
    const met = r.goal === null ? null : r.ratio.median >= r.goal;
    const color = met === null ? '#8aa' : met ? '#2e8b57' : '#d0533f';
    const judged = r.judge === 'cpu' ? 'CPU' : 'rate';
    out.push(`<text x="${labelW - 8}" y="${mid + 4}" text-anchor="end">${esc(r.name)} <tspan fill="#777">vs ${esc(r.peer)} (${judged})</tspan></text>`);
    out.push(`<rect x="${labelW}" y="${y + 5}" width="${Math.max(1, x(r.ratio.median) - labelW).toFixed(1)}" height="${rowH - 10}" fill="${color}" opacity="0.85"/>`);
    if (Number.isFinite(r.ratio.min) && Number.isFinite(r.ratio.max)) {
      out.push(`<line x1="${x(r.ratio.min).toFixed(1)}" y1="${mid}" x2="${x(r.ratio.max).toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="1.2"/>`);
      // A whisker past the right edge is clipped there and drawn as an arrow head.
      for (const v of [r.ratio.min, r.ratio.max]) {
        if (v > maxRatio) out.push(`<path d="M${x(v).toFixed(1)},${mid - 5} l6,5 l-6,5 z" fill="#222"/>`);
        else out.push(`<line x1="${x(v).toFixed(1)}" y1="${mid - 5}" x2="${x(v).toFixed(1)}" y2="${mid + 5}" stroke="#222" stroke-width="1.2"/>`);
      }
    }
    if (r.goal !== null) {
      const gx = x(r.goal).toFixed(1);
      out.push(`<line x1="${gx}" y1="${y + 2}" x2="${gx}" y2="${y + rowH - 2}" stroke="#1f4fd1" stroke-width="2.5" stroke-dasharray="3 2"/>`);
    }
    out.push(`<text x="${labelW + plotW + 10}" y="${mid + 4}">${r.ratio.median.toFixed(2)}× <tspan fill="#777">(${r.ratio.min.toFixed(2)}–${r.ratio.max.toFixed(2)})</tspan></text>`);
  });
  const ly = top + rows.length * rowH + 34;
  out.push(`<rect x="${labelW}" y="${ly - 9}" width="14" height="10" fill="#2e8b57"/><text x="${labelW + 18}" y="${ly}">goal met (median)</text>`);
  out.push(`<rect x="${labelW + 130}" y="${ly - 9}" width="14" height="10" fill="#d0533f"/><text x="${labelW + 148}" y="${ly}">goal missed</text>`);
  out.push(`<line x1="${labelW + 240}" y1="${ly - 9}" x2="${labelW + 240}" y2="${ly + 1}" stroke="#1f4fd1" stroke-width="2.5" stroke-dasharray="3 2"/><text x="${labelW + 246}" y="${ly}">goal</text>`);
  out.push(`<text x="${labelW + 290}" y="${ly}">whisker: min–max over rounds</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const allRows = [...results.values()].flatMap((r) => r.rows);
const loads = [...results.values()].map((r) => r.machine?.loadavg?.[0]).filter(Number.isFinite);
const first = [...results.values()][0].machine ?? {};
const machines = `node ${first.node}, ${first.cpus} CPUs shared with other engineers' builds (load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the runs): noisy, judge CPU per unit`;
writeFileSync(join(REPO, 'docs/bench.svg'), svg(allRows, machines));
console.error(`render: docs/bench.svg (${allRows.length} rows)`);

// README sections.
const readmes = ['README.md', ...readdirSync(join(REPO, 'packages')).map((p) => `packages/${p}/README.md`)];
const marker = /<!-- bench-table ([\w,.:-]+) -->[\s\S]*?<!-- \/bench-table -->/g;
for (const readme of readmes) {
  const path = join(REPO, readme);
  if (!existsSync(path)) continue;
  const text = readFileSync(path, 'utf8');
  const next = text.replace(marker, (whole, names) => {
    // Each name is a result file, or `file:id` for one of its rows; files keep their order.
    const wanted = names.split(',').map((n) => n.split(':'));
    const picked = [...new Set(wanted.map(([file]) => results.get(file)).filter(Boolean))];
    if (picked.length === 0) return whole;
    const rows = wanted.flatMap(([file, id]) => {
      const rowsOf = results.get(file)?.rows ?? [];
      return id === undefined ? rowsOf : rowsOf.filter((r) => r.id === id);
    });
    const m = picked[0].machine;
    const note = `Measured ${m.at.slice(0, 10)}, node ${m.node}, ${m.cpus} CPUs, load average ${picked.map((r) => r.machine.loadavg[0]).join(' / ')} — ${Math.max(...picked.map((r) => r.machine.loadavg[0])) > 3 ? 'the machine was shared with other work, so rates swing from round to round' : 'the machine was otherwise quiet (the load is the benchmarks’ own processes)'}; the goals are judged on CPU per unit of work where the load generator shares the cores. Ratios are the median of per-round ratios (rounds alternate the sides, the order rotated every round), min–max in brackets.`;
    return `<!-- bench-table ${names} -->\n${markdownTable(rows)}\n\n${note}\n<!-- /bench-table -->`;
  });
  if (next !== text) {
    writeFileSync(path, next);
    console.error(`render: ${readme}`);
  }
}
