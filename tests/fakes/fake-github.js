#!/usr/bin/env node
// fake-github.js: a loopback stand-in for github.com and api.github.com, following the
// documented API (OAuth code exchange, /user, /user/repos with Link pagination, errors).
//
//   node fake-github.js PORTFILE        listens on 127.0.0.1:<free port>, writes the port
//
// Tests script it over HTTP:
//   POST /_fake/users   {"token","id","login","name","avatar_url","repos":N}  a user and its token
//   POST /_fake/codes   {"code","token"}        an OAuth code that exchanges for token
//   POST /_fake/revoke  {"token"}               the token now gets 401
//   POST /_fake/ratelimit {"token","reset"}     the token now gets 403 with remaining 0
//   GET  /_fake/log                             every request seen: [{method, path, auth}]
//   GET  /_fake/hooks                           the repository hooks, secrets included
//   POST /_fake/noadmin {"repo"}                hooks of owner/repo answer 404 (no admin right)
//   POST /_fake/repos {"repo","private","permissions":{TOKEN:{admin,push,pull}}}
//                                               a repository with per-token permissions
// and implements GET /repos/{o}/{r} and the repository hooks API: GET/POST /repos/{o}/{r}/hooks,
// PATCH/DELETE .../{id}. GET /repos/{o}/{r} answers as GitHub does: the repository with the
// token's `permissions`, 404 when the token cannot see it. Unless registered with /_fake/repos,
// a repository under the token's own login exists and the token administers it (noadmin: it
// may only push), and any other repository does not exist. A registered repository answers
// each listed token with its permissions; other tokens get 404 (private) or pull only (public).
//   POST /_fake/hookpage {"max"}                the largest page of hooks a list gives (100)
//   POST /_fake/hook {"repo","url"}             a hook someone else made on the repository
// and implements the repository hooks API: GET/POST /repos/{o}/{r}/hooks (the list paginated
// with per_page/page and a Link header), PATCH/DELETE .../{id} (PATCH takes the update schema:
// config, events, add_events, remove_events, active; anything else is 422).
// The Deployments API: POST/GET /repos/{o}/{r}/deployments and POST/GET
// .../deployments/{id}/statuses, answering 201 with the deployment (status) object. Bodies are
// checked as GitHub does: required fields, types, the allowed `state` values, a description of
// at most 140 characters; an unknown field is 422.
//   GET  /_fake/deployments                     every create and status call taken, in order:
//                                               [{kind, repo, id, deployment_id, body, auth}]
//   POST /_fake/down {"ms","mode"}              answer the Deployments API with 502 (mode "502")
//                                               or not at all (mode "timeout") for ms
// The issue comments API as a pull request's comments use it: POST/GET
// /repos/{o}/{r}/issues/{n}/comments (201 with the comment), PATCH/DELETE
// /repos/{o}/{r}/issues/comments/{id} (200 with the comment, 204; 404 for one that is gone);
// `body` is required and the only field. Each POST and PATCH goes into /_fake/deployments as
// {kind: "comment-create" | "comment-update", repo, number | id, body, auth}, so that one dump
// holds every call the worker made to GitHub, in order.
'use strict';
const http = require('http');
const fs = require('fs');

const users = new Map();   // token -> user
const codes = new Map();   // code -> token
const limited = new Map(); // token -> reset epoch
const log = [];
const hooks = new Map();   // "owner/repo" (lower) -> [{id, config, events, active}]
const noAdmin = new Set(); // "owner/repo" where the token lacks admin: hooks answer 404
const repos = new Map();   // "owner/repo" (lower) -> {owner, name, private, permissions: {token: {...}}}
let nextHookId = 1;
const deployments = []; // {id, repo, ...the create body, statuses: [...]}
const deployCalls = []; // what /_fake/deployments shows
let nextDeploymentId = 9001;
let nextStatusId = 1;
const comments = []; // {id, repo, number, body, user, created_at, updated_at}
let nextCommentId = 7001;
let downUntil = 0;
let downMode = '502';
let hookPageMax = 100;
const CLIENT_ID = process.env.FAKE_GITHUB_CLIENT_ID || 'test-client';
const CLIENT_SECRET = process.env.FAKE_GITHUB_CLIENT_SECRET || 'test-secret';

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function tokenOf(req) {
  const a = req.headers.authorization || '';
  const m = /^(?:Bearer|token) (.+)$/.exec(a);
  return m ? m[1] : null;
}

function repoList(u) {
  const out = [];
  for (let i = 1; i <= (u.repos || 0); i++) {
    const name = `repo-${i}`;
    out.push({
      id: u.id * 1000 + i, name, full_name: `${u.login}/${name}`, private: i % 2 === 0,
      owner: { login: u.login, id: u.id },
      html_url: `https://github.com/${u.login}/${name}`,
      clone_url: `https://github.com/${u.login}/${name}.git`,
      ssh_url: `git@github.com:${u.login}/${name}.git`, default_branch: 'main',
      permissions: { admin: true, push: true, pull: true },
    });
  }
  return out;
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const body = await readBody(req);
  log.push({ method: req.method, path: url.pathname, auth: req.headers.authorization ? 'yes' : 'no',
    ua: req.headers['user-agent'] || '' });

  if (url.pathname.startsWith('/_fake/')) {
    const j = body ? JSON.parse(body) : {};
    switch (url.pathname) {
      case '/_fake/users': users.set(j.token, j); return send(res, 200, { ok: true });
      case '/_fake/codes': codes.set(j.code, j.token); return send(res, 200, { ok: true });
      case '/_fake/revoke': users.delete(j.token); return send(res, 200, { ok: true });
      case '/_fake/ratelimit': limited.set(j.token, j.reset || 1900000000); return send(res, 200, { ok: true });
      case '/_fake/log': return send(res, 200, log);
      case '/_fake/hooks': return send(res, 200, Object.fromEntries(hooks));
      case '/_fake/noadmin': noAdmin.add(j.repo.toLowerCase()); return send(res, 200, { ok: true });
      case '/_fake/repos': {
        const [owner, name] = j.repo.split('/');
        repos.set(j.repo.toLowerCase(), { owner, name, private: !!j.private, permissions: j.permissions || {} });
        return send(res, 200, { ok: true });
      }
      case '/_fake/deployments': return send(res, 200, deployCalls);
      case '/_fake/down': downUntil = Date.now() + (j.ms | 0); downMode = j.mode || '502'; return send(res, 200, { ok: true });
      case '/_fake/hookpage': hookPageMax = Math.max(1, j.max | 0); return send(res, 200, { ok: true });
      case '/_fake/hook': {
        const key = j.repo.toLowerCase();
        const h = { id: nextHookId++, name: 'web', active: true, events: ['push'], config: { url: j.url, content_type: 'json' } };
        hooks.set(key, [...(hooks.get(key) || []), h]);
        return send(res, 200, h);
      }
    }
    return send(res, 404, { message: 'Not Found' });
  }

  if (!req.headers['user-agent'])
    return send(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });

  if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
    const form = new URLSearchParams(body);
    const json = (req.headers.accept || '').includes('application/json');
    const reply = (obj) => json ? send(res, 200, obj)
      : (res.writeHead(200, { 'Content-Type': 'application/x-www-form-urlencoded' }), res.end(new URLSearchParams(obj).toString()));
    if (form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET)
      return reply({ error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
    const token = codes.get(form.get('code'));
    if (!token)
      return reply({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
    codes.delete(form.get('code'));
    return reply({ access_token: token, scope: 'repo,read:user', token_type: 'bearer' });
  }

  const token = tokenOf(req);
  const u = token && users.get(token);
  if (!u)
    return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  if (limited.has(token))
    return send(res, 403, { message: 'API rate limit exceeded' }, {
      'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(limited.get(token)),
    });
  const rate = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999' };

  if (req.method === 'GET' && url.pathname === '/user')
    return send(res, 200, { login: u.login, id: u.id, name: u.name || null, email: null,
      avatar_url: u.avatar_url || `https://avatars.example/${u.id}`, html_url: `https://github.com/${u.login}` }, rate);

  if (req.method === 'GET' && url.pathname === '/user/repos') {
    const perPage = Math.min(parseInt(url.searchParams.get('per_page') || '30', 10), 100);
    const page = Math.max(parseInt(url.searchParams.get('page') || '1', 10), 1);
    const all = repoList(u);
    const last = Math.max(Math.ceil(all.length / perPage), 1);
    const links = [];
    const at = (p) => `<http://${req.headers.host}/user/repos?per_page=${perPage}&page=${p}>`;
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (page > 1) links.push(`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
    return send(res, 200, all.slice((page - 1) * perPage, page * perPage),
      links.length ? { ...rate, Link: links.join(', ') } : rate);
  }
  const rm = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (rm && req.method === 'GET') {
    const key = `${rm[1]}/${rm[2]}`.toLowerCase();
    const none = { admin: false, maintain: false, push: false, triage: false, pull: false };
    let owner = rm[1], name = rm[2], priv = false, perms;
    const reg = repos.get(key);
    if (reg) {
      ({ owner, name } = reg);
      priv = reg.private;
      const p = reg.permissions[token];
      if (p) perms = { ...none, ...p, triage: !!(p.push || p.triage), maintain: !!(p.admin || p.maintain) };
      else if (!priv) perms = { ...none, pull: true };
    } else if (rm[1].toLowerCase() === u.login.toLowerCase()) {
      const admin = !noAdmin.has(key);
      perms = { admin, maintain: admin, push: true, triage: true, pull: true };
    }
    if (!perms) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository', status: '404' }, rate);
    return send(res, 200, {
      id: 1000000 + key.length, name, full_name: `${owner}/${name}`, private: priv, owner: { login: owner },
      html_url: `https://github.com/${owner}/${name}`, clone_url: `https://github.com/${owner}/${name}.git`,
      default_branch: 'main', permissions: perms,
    }, rate);
  }
  const cm = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(?:(\d+)\/comments|comments\/(\d+))$/.exec(url.pathname);
  if (cm) return commentsApi(req, res, cm, body, token);
  const dm = /^\/repos\/([^/]+)\/([^/]+)\/deployments(?:\/(\d+)\/statuses)?$/.exec(url.pathname);
  if (dm) return deploymentsApi(req, res, dm, body, token);
  const hm = /^\/repos\/([^/]+)\/([^/]+)\/hooks(?:\/(\d+))?$/.exec(url.pathname);
  if (hm) {
    const key = `${hm[1]}/${hm[2]}`.toLowerCase();
    if (noAdmin.has(key)) return send(res, 404, { message: 'Not Found' });
    const list = hooks.get(key) || [];
    const id = hm[3] ? parseInt(hm[3], 10) : null;
    const found = id ? list.find((h) => h.id === id) : null;
    if (req.method === 'GET' && !id) {
      const perPage = Math.min(Math.max(parseInt(url.searchParams.get('per_page') || '30', 10) || 30, 1), hookPageMax);
      const page = Math.max(parseInt(url.searchParams.get('page') || '1', 10) || 1, 1);
      const last = Math.max(Math.ceil(list.length / perPage), 1);
      const at = (p) => `<http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${p}>`;
      const links = [];
      if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
      if (page > 1) links.push(`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
      const shown = list.slice((page - 1) * perPage, page * perPage).map((h) => ({ ...h, config: { ...h.config, secret: '********' } }));
      return send(res, 200, shown, links.length ? { Link: links.join(', ') } : {});
    }
    if (req.method === 'POST' && !id) {
      const j = JSON.parse(body);
      if (!j.config || !j.config.url) return send(res, 422, { message: 'Validation Failed' });
      if (list.some((h) => h.config.url === j.config.url))
        return send(res, 422, { message: 'Validation Failed', errors: [{ message: 'Hook already exists on this repository' }] });
      const h = { id: nextHookId++, name: 'web', active: j.active !== false, events: j.events || ['push'], config: j.config };
      hooks.set(key, [...list, h]);
      return send(res, 201, { ...h, config: { ...h.config, secret: '********' } });
    }
    if (!found) return send(res, 404, { message: 'Not Found' });
    if (req.method === 'PATCH') {
      const j = JSON.parse(body);
      const allowed = ['config', 'events', 'add_events', 'remove_events', 'active'];
      const extra = Object.keys(j).filter((k) => !allowed.includes(k));
      if (extra.length) return send(res, 422, { message: 'Invalid request.', errors: [{ message: `${extra[0]} is not a permitted key.` }] });
      Object.assign(found, { ...j, config: { ...found.config, ...(j.config || {}) } });
      return send(res, 200, { ...found, config: { ...found.config, secret: '********' } });
    }
    if (req.method === 'DELETE') {
      hooks.set(key, list.filter((h) => h !== found));
      res.writeHead(204); return res.end();
    }
  }
  return send(res, 404, { message: 'Not Found' });
}

// ------------------------------------------------------------------ the Deployments API

const CREATE_FIELDS = { ref: 'string', task: 'string', auto_merge: 'boolean', required_contexts: 'array',
  payload: 'any', environment: 'string', description: 'string', transient_environment: 'boolean',
  production_environment: 'boolean' };
const STATUS_FIELDS = { state: 'string', target_url: 'string', log_url: 'string', description: 'string',
  environment: 'string', environment_url: 'string', auto_inactive: 'boolean' };
const STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

// GitHub's 422 for a body that does not follow the operation's schema, or null when it does.
function invalid(j, fields, required) {
  if (!j || typeof j !== 'object' || Array.isArray(j)) return 'Problems parsing JSON';
  for (const k of Object.keys(j)) {
    if (!(k in fields)) return `${k} is not a permitted key.`;
    const t = fields[k], v = j[k];
    if (t === 'array' ? !Array.isArray(v) : t !== 'any' && typeof v !== t) return `${k} is not a ${t}.`;
  }
  for (const k of required) if (!(k in j)) return `"${k}" wasn't supplied.`;
  return null;
}

function deploymentsApi(req, res, m, body, token) {
  if (Date.now() < downUntil) {
    if (downMode === 'timeout') return; // never answered: the caller's timeout ends it
    return send(res, 502, { message: 'Server Error' });
  }
  const repo = `${m[1]}/${m[2]}`;
  const u = users.get(token);
  const key = repo.toLowerCase();
  const visible = repos.has(key) ? !!repos.get(key).permissions[token] : m[1].toLowerCase() === u.login.toLowerCase();
  if (!visible) return send(res, 404, { message: 'Not Found' });
  const host = `http://${req.headers.host}`;
  const depUrl = (d) => `${host}/repos/${d.repo}/deployments/${d.id}`;
  const show = (d) => ({ url: depUrl(d), id: d.id, node_id: `DE_${d.id}`, sha: d.sha, ref: d.ref, task: d.task,
    payload: d.payload, original_environment: d.environment, environment: d.environment, description: d.description,
    creator: { login: u.login, id: u.id }, created_at: d.created_at, updated_at: d.updated_at,
    statuses_url: `${depUrl(d)}/statuses`, repository_url: `${host}/repos/${d.repo}`,
    transient_environment: d.transient_environment, production_environment: d.production_environment });
  if (!m[3]) {
    if (req.method === 'GET') return send(res, 200, deployments.filter((d) => d.repo.toLowerCase() === key).map(show));
    if (req.method !== 'POST') return send(res, 404, { message: 'Not Found' });
    let j;
    try { j = JSON.parse(body); } catch (e) { return send(res, 400, { message: 'Problems parsing JSON' }); }
    const bad = invalid(j, CREATE_FIELDS, ['ref']);
    if (bad) return send(res, 422, { message: 'Invalid request.', errors: [{ message: bad }] });
    const now = new Date().toISOString();
    const env = j.environment || 'production';
    const d = { id: nextDeploymentId++, repo, ref: j.ref, sha: /^[0-9a-f]{40}$/.test(j.ref) ? j.ref : '0'.repeat(40),
      task: j.task || 'deploy', payload: j.payload || {}, environment: env, description: j.description ?? '',
      transient_environment: !!j.transient_environment,
      production_environment: j.production_environment ?? env === 'production', created_at: now, updated_at: now, statuses: [] };
    deployments.push(d);
    deployCalls.push({ kind: 'create', repo, id: d.id, body: j, auth: token });
    return send(res, 201, show(d));
  }
  const d = deployments.find((x) => x.id === parseInt(m[3], 10) && x.repo.toLowerCase() === key);
  if (!d) return send(res, 404, { message: 'Not Found' });
  if (req.method === 'GET') return send(res, 200, [...d.statuses].reverse());
  if (req.method !== 'POST') return send(res, 404, { message: 'Not Found' });
  let j;
  try { j = JSON.parse(body); } catch (e) { return send(res, 400, { message: 'Problems parsing JSON' }); }
  let bad = invalid(j, STATUS_FIELDS, ['state']);
  if (!bad && !STATES.includes(j.state)) bad = `state is not included in the list`;
  if (!bad && j.description && [...j.description].length > 140) bad = 'description is too long (maximum is 140 characters)';
  if (bad) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'DeploymentStatus', message: bad }] });
  const now = new Date().toISOString();
  const st = { url: `${depUrl(d)}/statuses/${nextStatusId}`, id: nextStatusId++, node_id: `DES_${nextStatusId}`,
    state: j.state, creator: { login: u.login, id: u.id }, description: j.description || '',
    environment: j.environment || d.environment, target_url: j.log_url || j.target_url || '',
    created_at: now, updated_at: now, deployment_url: depUrl(d), repository_url: `${host}/repos/${d.repo}`,
    environment_url: j.environment_url || '', log_url: j.log_url || j.target_url || '' };
  d.statuses.push(st);
  deployCalls.push({ kind: 'status', repo, deployment_id: d.id, body: j, auth: token });
  return send(res, 201, st);
}

function commentsApi(req, res, m, body, token) {
  if (Date.now() < downUntil) {
    if (downMode === 'timeout') return;
    return send(res, 502, { message: 'Server Error' });
  }
  const repo = `${m[1]}/${m[2]}`;
  const key = repo.toLowerCase();
  const u = users.get(token);
  if (!u) return send(res, 401, { message: 'Bad credentials' });
  const visible = repos.has(key) ? !!repos.get(key).permissions[token] : m[1].toLowerCase() === u.login.toLowerCase();
  if (!visible) return send(res, 404, { message: 'Not Found' });
  const host = `http://${req.headers.host}`;
  const show = (c) => ({ id: c.id, node_id: `IC_${c.id}`, url: `${host}/repos/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.repo}/pull/${c.number}#issuecomment-${c.id}`, body: c.body,
    user: { login: c.user.login, id: c.user.id }, created_at: c.created_at, updated_at: c.updated_at,
    issue_url: `${host}/repos/${c.repo}/issues/${c.number}`, author_association: 'OWNER' });
  const parse = () => {
    let j;
    try { j = JSON.parse(body); } catch (e) { send(res, 400, { message: 'Problems parsing JSON' }); return null; }
    const bad = invalid(j, { body: 'string' }, ['body']);
    if (bad) { send(res, 422, { message: 'Invalid request.', errors: [{ message: bad }] }); return null; }
    return j;
  };
  if (m[3]) { // .../issues/{n}/comments
    const number = parseInt(m[3], 10);
    if (req.method === 'GET') return send(res, 200, comments.filter((c) => c.repo.toLowerCase() === key && c.number === number).map(show));
    if (req.method !== 'POST') return send(res, 404, { message: 'Not Found' });
    const j = parse();
    if (!j) return;
    const now = new Date().toISOString();
    const c = { id: nextCommentId++, repo, number, body: j.body, user: u, created_at: now, updated_at: now };
    comments.push(c);
    deployCalls.push({ kind: 'comment-create', repo, number, body: j, auth: token });
    return send(res, 201, show(c));
  }
  const i = comments.findIndex((c) => c.id === parseInt(m[4], 10) && c.repo.toLowerCase() === key);
  if (i < 0) return send(res, 404, { message: 'Not Found' });
  if (req.method === 'DELETE') { comments.splice(i, 1); return send(res, 204, ''); }
  if (req.method === 'GET') return send(res, 200, show(comments[i]));
  if (req.method !== 'PATCH') return send(res, 404, { message: 'Not Found' });
  const j = parse();
  if (!j) return;
  comments[i].body = j.body;
  comments[i].updated_at = new Date().toISOString();
  deployCalls.push({ kind: 'comment-update', repo, id: comments[i].id, body: j, auth: token });
  return send(res, 200, show(comments[i]));
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e) => send(res, 500, { message: String(e) }));
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(process.argv[2], String(server.address().port));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
