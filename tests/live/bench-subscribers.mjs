// bench-subscribers.mjs: N WebSocket subscribers on one deployment's log channel (bench/logs.sh).
//
//   node bench-subscribers.mjs WS_URL TOKEN N LINES TIMEOUT_MS
//
// Prints "ready" on stderr once all N are open, then one JSON line when every subscriber has
// seen line LINES (or at the timeout): latency from the fake Jenkins's t=<ms> stamp to receipt,
// p50/p99/max over all subscribers and lines, and per subscriber whether lines 1..LINES came
// complete and in order.
import WebSocket from 'ws';

const [url, token, nArg, linesArg, timeoutArg] = process.argv.slice(2);
const n = Number(nArg), lines = Number(linesArg);
const now = () => performance.timeOrigin + performance.now();
const lat = [];
const subs = [];
let open = 0, done = 0, first = Infinity, last = 0;

function report(timedOut) {
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? Math.round(lat[Math.min(lat.length - 1, Math.ceil((lat.length * p) / 100) - 1)] * 10) / 10 : null);
  const complete = subs.filter((s) => s.next === lines + 1 && s.ordered).length;
  process.stdout.write(JSON.stringify({
    subscribers: n, lines, samples: lat.length, p50_ms: pct(50), p99_ms: pct(99), max_ms: pct(100),
    complete_in_order: complete, lines_per_s: last > first ? Math.round((lines * 1000) / (last - first)) : null,
    timed_out: timedOut,
  }) + '\n');
  process.exit(0);
}
setTimeout(() => report(true), Number(timeoutArg));

for (let i = 0; i < n; i++) {
  const s = { next: 1, ordered: true, partial: '' };
  subs.push(s);
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, perMessageDeflate: false });
  ws.on('open', () => { if (++open === n) process.stderr.write('ready\n'); });
  ws.on('error', (e) => process.stderr.write(`subscriber ${i}: ${e.message}\n`));
  ws.on('message', (buf) => {
    const t = now();
    const m = JSON.parse(buf.toString('utf8'));
    if (m.type !== 'log') return;
    const text = s.partial + m.text;
    const parts = text.split('\n');
    s.partial = parts.pop(); // a line not finished yet
    for (const line of parts) {
      const mm = /^\[(\d+)\/\d+\] t=([0-9.]+)/.exec(line);
      if (!mm) continue;
      const k = Number(mm[1]);
      if (k !== s.next) s.ordered = false;
      s.next = k + 1;
      const stamp = Number(mm[2]);
      if (stamp < first) first = stamp;
      if (t > last) last = t;
      lat.push(t - stamp);
      if (k === lines && ++done === n) report(false);
    }
  });
}
