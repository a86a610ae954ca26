#!/usr/bin/env node
// fake-argocd.js: a loopback stand-in for Argo CD's REST API (GET /api/v1/applications/{name},
// ?refresh=normal, POST .../sync), with scripted sync and health sequences.
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
    if ((req.headers.authorization || '') !== `Bearer ${TOKEN}`)
      return send(res, 401, { error: 'invalid session', code: 16, message: 'invalid session' });
    const m = /^\/api\/v1\/applications\/([^/]+)(\/sync)?$/.exec(url.pathname);
    if (!m) return send(res, 404, { error: 'not found', code: 5 });
    const name = decodeURIComponent(m[1]);
    if (!appExists(name))
      return send(res, 403, { error: 'permission denied', code: 7, message: 'permission denied' });
    if (m[2] && req.method === 'POST') return send(res, 200, application(name, true));
    if (req.method === 'GET') return send(res, 200, application(name, url.searchParams.get('refresh') !== null));
    return send(res, 405, { error: 'method not allowed' });
  });
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(process.argv[2], String(server.address().port)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
