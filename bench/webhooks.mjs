// webhooks.mjs: the load of bench/webhooks.sh: N signed push deliveries over P projects, sent
// with C in flight; prints one JSON line {sent, ok, failed, seconds, rate, p50_ms, p99_ms}.
//   node webhooks.mjs URL SECRET PROJECTS DELIVERIES CONCURRENCY ROUND
import { createHash, createHmac } from 'node:crypto';

const [url, secret, projects, deliveries, concurrency, round] = process.argv.slice(2);
const P = +projects, N = +deliveries, C = +concurrency;

// Delivery i goes to repository bench/repo-<i % P>; its id and commit depend only on i, so a
// second round with the same ROUND sends the very same deliveries again.
function delivery(i) {
  const repo = `bench/repo-${i % P}`;
  const after = createHash('sha1').update(`${round}-${i}`).digest('hex');
  const body = JSON.stringify({
    ref: 'refs/heads/main', before: '0'.repeat(40), after, created: false, deleted: false,
    forced: false, base_ref: null, compare: '', commits: [],
    head_commit: { id: after, message: `commit ${i}`, author: { name: 'Bench', email: 'b@example.com' } },
    repository: { full_name: repo, name: `repo-${i % P}`, owner: { login: 'bench' } },
    pusher: { name: 'bench' }, sender: { login: 'bench' },
  });
  return { id: `bench-${round}-${i}`, body };
}

const lat = [];
let ok = 0, failed = 0, next = 0;
const t0 = performance.now();
async function lane() {
  for (;;) {
    const i = next++;
    if (i >= N) return;
    const d = delivery(i);
    // GitHub's scheme (the tests sign with @octokit/webhooks-methods; the load needs no package)
    const sig = 'sha256=' + createHmac('sha256', secret).update(d.body).digest('hex');
    const s = performance.now();
    const res = await fetch(url, {
      method: 'POST', body: d.body,
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': d.id, 'X-Hub-Signature-256': sig },
    });
    await res.arrayBuffer();
    lat.push(performance.now() - s);
    if (res.status === 200 || res.status === 202) ok++; else failed++;
  }
}
await Promise.all(Array.from({ length: C }, lane));
const secs = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
process.stdout.write(JSON.stringify({ sent: N, ok, failed, seconds: +secs.toFixed(3), rate: +(N / secs).toFixed(1),
  p50_ms: +pct(0.5).toFixed(2), p99_ms: +pct(0.99).toFixed(2) }) + '\n');
