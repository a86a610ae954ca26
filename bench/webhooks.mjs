// webhooks.mjs: the load of bench/webhooks.sh: N signed push deliveries over P projects, sent
// with C in flight; prints one JSON line {sent, ok, failed, statuses, seconds, rate, p50_ms, p99_ms, max_ms}.
//   node webhooks.mjs URL SECRET PROJECTS DELIVERIES CONCURRENCY ROUND
//
// Every body and signature is made before the clock starts, and the requests go out on C
// keep-alive connections (node:http): the load generator must cost far less than what it
// measures (fetch() tops out near 1,000 requests/s on these 2 cores, node:http near 10,000).
import { createHash, createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';

const [url, secret, projects, deliveries, concurrency, round] = process.argv.slice(2);
const P = +projects, N = +deliveries, C = +concurrency;
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: C });

// Delivery i goes to repository bench/repo-<i % P>; its id and commit depend only on i, so a
// second round with the same ROUND sends the very same deliveries again.
function delivery(i) {
  const repo = `bench/repo-${i % P}`;
  const after = createHash('sha1').update(`${round}-${i}`).digest('hex');
  const body = Buffer.from(JSON.stringify({
    ref: 'refs/heads/main', before: '0'.repeat(40), after, created: false, deleted: false,
    forced: false, base_ref: null, compare: '', commits: [],
    head_commit: { id: after, message: `commit ${i}`, author: { name: 'Bench', email: 'b@example.com' } },
    repository: { full_name: repo, name: `repo-${i % P}`, owner: { login: 'bench' } },
    pusher: { name: 'bench' }, sender: { login: 'bench' },
  }));
  // GitHub's scheme (the tests sign with @octokit/webhooks-methods; the load needs no package)
  const sig = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
  return {
    body, headers: {
      'Content-Type': 'application/json', 'Content-Length': body.length, 'X-GitHub-Event': 'push',
      'X-GitHub-Delivery': `bench-${round}-${i}`, 'X-Hub-Signature-256': sig, 'User-Agent': 'GitHub-Hookshot/bench',
    },
  };
}
const all = Array.from({ length: N }, (_, i) => delivery(i));

function send(d) {
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: d.headers },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
    req.end(d.body);
  });
}

const lat = [], statuses = {}, trace = [];
let ok = 0, failed = 0, next = 0;
const t0 = performance.now();
async function lane() {
  for (;;) {
    const i = next++;
    if (i >= N) return;
    const s = performance.now();
    const status = await send(all[i]);
    lat.push(performance.now() - s);
    trace.push([i, +(s - t0).toFixed(2), +(performance.now() - s).toFixed(2), status]);
    statuses[status] = (statuses[status] || 0) + 1;
    if (status === 200 || status === 202) ok++; else failed++;
  }
}
await Promise.all(Array.from({ length: C }, lane));
const secs = (performance.now() - t0) / 1000;
agent.destroy();
// BENCH_TRACE=FILE: one line per request (index, start ms after t0, latency ms, status)
if (process.env.BENCH_TRACE) writeFileSync(`${process.env.BENCH_TRACE}.${Date.now()}`, trace.map((t) => t.join(' ')).join('\n') + '\n');
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
process.stdout.write(JSON.stringify({ sent: N, ok, failed, statuses, seconds: +secs.toFixed(3), rate: +(N / secs).toFixed(1),
  p50_ms: +pct(0.5).toFixed(2), p99_ms: +pct(0.99).toFixed(2), max_ms: +lat[lat.length - 1].toFixed(2),
  started_ms: Math.round(performance.timeOrigin + t0) }) + '\n');
