#!/usr/bin/env node
// fake-argocd.js: a loopback stand-in for Argo CD's REST API (GET /api/v1/applications/{name},
// ?refresh=normal, POST .../sync, GET .../logs), with scripted sync and health sequences and
// scripted pod logs.
//
//   node fake-argocd.js PORTFILE [GITOPS_REPO_PATH]
//
// Applications appear as the ApplicationSet would make them: when a commit of the GitOps
// repository holds apps/<ws>/<user>/<project>/Chart.yaml, the app <ws>-<user>-<project> exists.
// Each app then walks a script of steps, one step per GET after a refresh; a step names the
// sync and health status, and takes the repository's current HEAD as its revision:
//   POST /_fake/script {"app": "...", "steps": [{"sync":"OutOfSync","health":"Progressing"},
//                       {"sync":"Synced","health":"Healthy"}]}    (default: those two steps)
//   POST /_fake/script {"app": "*", ...}                            default for every app
//   POST /_fake/script {"app": "...", "steps": [...], "syncs": N}    only the next N syncs (new
//                       revisions) walk these steps; later ones the default
//   {"sync":"Synced","health":"Degraded","message":"..."}          ends in Degraded
//   {"phase":"Failed","message":"..."}                              the sync of HEAD fails
//   GET  /_fake/log       every request: [{method, path, query}]
//
// Pod logs: the app's pods print what the test scripts, in namespace user-<user> (the app's
// destination), container "app", owned by a Deployment:
//   POST /_fake/logs {"app": "...", "lines": [{"pod": "p-1", "text": "...", "at": ISO?}]}
//                       (at: default now; each line gets a nanosecond time after the app's last)
//   GET /api/v1/applications/{name}/logs?namespace=&kind=&resourceName=&podName=&container=
//       &sinceSeconds=&tailLines=&follow=    as Argo CD's PodLogs: newline-delimited
//   {"result":{"content","timeStamp","timeStampStr","podName","last":false}} merged across the
//   selected pods in time order; sinceSeconds and tailLines apply per pod (Kubernetes'
//   PodLogOptions); without follow the stream ends with a "last":true entry; with follow=true
//   it stays open and sends new lines as they are scripted. No pod selected: an empty body. A
//   container other than "app" gives one entry with Kubernetes' error and the zero time, as
//   Argo CD sends when a pod's log cannot be opened. sinceTime.seconds/nanos are ignored, as
//   Argo CD's REST gateway does (metav1.Time cannot be filled from a query string).
// Requests need `Authorization: Bearer <token>` with the token in FAKE_ARGOCD_TOKEN (default
// "argocd-token"); others get 401.
'use strict';
const http = require('http');
const fs = require('fs');
const { execFileSync } = require('child_process');

const repo = process.argv[3] || null;
const TOKEN = process.env.FAKE_ARGOCD_TOKEN || 'argocd-token';
const scripts = new Map();
const state = new Map(); // app -> {step, revision}
const log = [];
const podLogs = new Map(); // app -> [{pod, ns (nanoseconds since the epoch, BigInt), text}]
const followers = new Set(); // {app, res, filter}
const DEFAULT = [{ sync: 'OutOfSync', health: 'Progressing' }, { sync: 'Synced', health: 'Healthy' }];

function head() {
  if (!repo) return 'unknown';
  try { return execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return null; }
}
function appExists(name) {
  if (!repo) return true;
  try {
    const files = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '--name-only', 'HEAD', 'apps'], { encoding: 'utf8' });
    return files.split('\n').some((f) => {
      const m = /^apps\/([^/]+)\/([^/]+)\/([^/]+)\/Chart\.yaml$/.exec(f);
      return m && `${m[1]}-${m[2]}-${m[3]}` === name;
    });
  } catch { return false; }
}
// Go's time.Format(RFC3339Nano) of ns: UTC, the fraction without trailing zeros.
function rfc3339Nano(ns) {
  const sec = ns / 1000000000n;
  const frac = (ns % 1000000000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${base}${frac ? '.' + frac : ''}Z`;
}
function entry(l) {
  const stamp = rfc3339Nano(l.ns);
  return JSON.stringify({ result: { content: l.text, timeStamp: stamp.replace(/\.\d+Z$/, 'Z'), timeStampStr: stamp, podName: l.pod, last: false } }) + '\n';
}
// where the app's pods run, as the ApplicationSet and the chart make them from
// apps/<ws>/<user>/<project>: namespace user-<user>, Deployment <user>-<project> (the release)
function appPlace(name) {
  if (!repo) return { ns: null, deployment: null };
  try {
    const files = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '--name-only', 'HEAD', 'apps'], { encoding: 'utf8' });
    for (const f of files.split('\n')) {
      const m = /^apps\/([^/]+)\/([^/]+)\/([^/]+)\/Chart\.yaml$/.exec(f);
      if (m && `${m[1]}-${m[2]}-${m[3]}` === name) return { ns: `user-${m[2]}`, deployment: `${m[2]}-${m[3]}` };
    }
  } catch { /* no repository yet */ }
  return { ns: null, deployment: null };
}
function addLines(app, lines) {
  const all = podLogs.get(app) || [];
  const added = [];
  for (const l of lines) {
    // in the order scripted: after every line of the app so far
    const last = all.map((x) => x.ns).reduce((a, b) => (a > b ? a : b), 0n);
    let ns = BigInt(l.at ? Date.parse(l.at) : Date.now()) * 1000000n + BigInt(Math.floor(Math.random() * 1000)) * 1000n;
    if (ns <= last) ns = last + 1n + BigInt(Math.floor(Math.random() * 1000));
    const x = { pod: l.pod, ns, text: l.text };
    all.push(x);
    added.push(x);
  }
  podLogs.set(app, all);
  for (const f of followers) if (f.app === app) for (const x of added) if (f.pod(x.pod)) f.res.write(entry(x));
}
// GET .../logs: the selected pods' lines as PodLogs streams them
function podLogsAnswer(name, q, res) {
  const { ns, deployment } = appPlace(name);
  const podName = q.get('podName');
  const kind = podName ? 'Pod' : q.get('kind') || '';
  const resourceName = podName || q.get('resourceName') || '';
  const container = q.get('container') || 'app';
  const nsOk = !q.get('namespace') || q.get('namespace') === ns;
  const lines = (podLogs.get(name) || []).slice().sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  // each pod is owned by a ReplicaSet owned by the Deployment; a kind and name filter matches
  // the pod or an owner (getSelectedPods)
  const pod = (p) => nsOk && (!kind || ['Pod', 'ReplicaSet', 'Deployment'].includes(kind)) &&
    (!resourceName || (kind === 'Pod' && resourceName === p) || (kind === 'Deployment' && resourceName === deployment) ||
      (kind === 'ReplicaSet' && p.startsWith(`${resourceName}-`)));
  const pods = [...new Set(lines.map((l) => l.pod))].filter(pod);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  if (!pods.length && q.get('follow') !== 'true') return res.end();
  const since = Number(q.get('sinceSeconds') || 0), tail = Number(q.get('tailLines') || 0);
  const from = since > 0 ? BigInt(Date.now() - since * 1000) * 1000000n : 0n;
  let out = [];
  for (const p of pods) {
    if (container !== 'app') {
      out.push({ err: `container ${container} is not valid for pod ${p}` });
      continue;
    }
    let mine = lines.filter((l) => l.pod === p && l.ns >= from);
    if (tail > 0) mine = mine.slice(-tail);
    out = out.concat(mine);
  }
  out.sort((a, b) => (a.err ? -1 : b.err ? 1 : a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  for (const l of out) {
    if (l.err) res.write(JSON.stringify({ result: { content: l.err, timeStamp: '0001-01-01T00:00:00Z', timeStampStr: '0001-01-01T00:00:00Z', podName: '', last: false } }) + '\n');
    else res.write(entry(l));
  }
  if (q.get('follow') === 'true') {
    const f = { app: name, res, pod: (p) => pod(p) && container === 'app' };
    followers.add(f);
    res.on('close', () => followers.delete(f));
    return undefined;
  }
  const now = rfc3339Nano(BigInt(Date.now()) * 1000000n);
  res.end(JSON.stringify({ result: { content: '', timeStamp: now.replace(/\.\d+Z$/, 'Z'), timeStampStr: now, podName: '', last: true } }) + '\n');
  return undefined;
}
function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

// The steps a new sync of `name` walks: its script while it has syncs left, else the default.
function stepsFor(name) {
  const sc = scripts.get(name) || scripts.get('*');
  if (!sc || sc.syncs === 0) return DEFAULT;
  if (sc.syncs !== undefined) sc.syncs--;
  return sc.steps;
}

function application(name, refresh) {
  let st = state.get(name);
  const rev = head();
  // a new commit starts the script again, as a new sync would
  if (!st || (refresh && st.revision !== rev)) st = { step: -1, revision: rev, steps: stepsFor(name) };
  const steps = st.steps;
  if (st.step < steps.length - 1) st.step++;
  state.set(name, st);
  const s = steps[st.step];
  const failed = s.phase === 'Failed' || s.phase === 'Error';
  return {
    metadata: { name, namespace: 'argocd' },
    spec: { project: 'default' },
    status: {
      sync: { status: s.sync || (failed ? 'OutOfSync' : 'Synced'), revision: failed ? 'previous' : st.revision },
      health: { status: s.health || 'Healthy', ...(s.message && !failed ? { message: s.message } : {}) },
      operationState: {
        phase: s.phase || (s.sync === 'Synced' ? 'Succeeded' : 'Running'),
        ...(failed ? { message: s.message || 'sync failed' } : {}),
        syncResult: { revision: st.revision },
      },
      reconciledAt: new Date().toISOString(),
    },
  };
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    log.push({ method: req.method, path: url.pathname, query: url.search });
    if (url.pathname === '/_fake/script') {
      const j = JSON.parse(body);
      scripts.set(j.app, { steps: j.steps, syncs: Number.isInteger(j.syncs) ? j.syncs : undefined });
      state.delete(j.app);
      return send(res, 200, { ok: true });
    }
    if (url.pathname === '/_fake/log') return send(res, 200, log);
    if (url.pathname === '/_fake/logs') {
      const j = JSON.parse(body);
      addLines(j.app, j.lines || []);
      return send(res, 200, { ok: true });
    }
    if ((req.headers.authorization || '') !== `Bearer ${TOKEN}`)
      return send(res, 401, { error: 'invalid session', code: 16, message: 'invalid session' });
    const m = /^\/api\/v1\/applications\/([^/]+)(\/sync|\/logs)?$/.exec(url.pathname);
    if (!m) return send(res, 404, { error: 'not found', code: 5 });
    const name = decodeURIComponent(m[1]);
    if (!appExists(name))
      return send(res, 403, { error: 'permission denied', code: 7, message: 'permission denied' });
    if (m[2] === '/logs' && req.method === 'GET') return podLogsAnswer(name, url.searchParams, res);
    if (m[2] === '/sync' && req.method === 'POST') return send(res, 200, application(name, true));
    if (req.method === 'GET') return send(res, 200, application(name, url.searchParams.get('refresh') !== null));
    return send(res, 405, { error: 'method not allowed' });
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(process.argv[2], String(server.address().port)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
