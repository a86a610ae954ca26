#!/usr/bin/env node
// openapi-contract.js: validate api/openapi.yaml, then drive a scenario through a running stack
// and check every response against the document: the status is one the operation documents
// (and the one the scenario expects), the body matches that status's schema, the content type is
// a documented one, and the documented required headers (X-Request-Id, Set-Cookie, Allow) are
// there and match. Request bodies the scenario sends are checked against the request schema too
// (valid ones must pass; ones the server refuses for a rule the schema states must fail).
//
//   node openapi-contract.js SPEC SUMMARY.json
//
// Environment: PLATFORM_URL (nginx), PLATFORM_API_LISTEN (the FastCGI pool, for /internal/*),
// PLATFORM_DATABASE_URL (psql), FAKE_GITHUB, PLATFORM_DOMAIN, PLATFORM_MAX_BODY, TAP_START
// (the number of the TAP test before the first one printed here). Prints TAP lines without a
// plan and writes {"count","failed"} to SUMMARY.json.
'use strict';
const fs = require('fs');
const net = require('net');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const YAML = require('yaml');
const SwaggerParser = require('@apidevtools/swagger-parser');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const [specPath, summaryPath] = process.argv.slice(2);
const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const BASE = env('PLATFORM_URL');
const FAKE_GITHUB = env('FAKE_GITHUB');
const DOMAIN = env('PLATFORM_DOMAIN');
const MAX_BODY = parseInt(env('PLATFORM_MAX_BODY'), 10);

// ------------------------------------------------------------------------------------ TAP

let n = parseInt(process.env.TAP_START || '0', 10);
let count = 0;
let failed = 0;
function diag(msg) {
  for (const line of String(msg).split('\n')) console.log(`# ${line}`);
}
function ok(pass, name, problems = [], todo = null) {
  n++;
  count++;
  const suffix = todo ? ` # TODO ${todo}` : '';
  console.log(`${pass ? 'ok' : 'not ok'} ${n} - ${name}${suffix}`);
  if (!pass) {
    if (!todo) failed++;
    problems.forEach((p) => diag(`  ${p}`));
  }
  return pass;
}

// ------------------------------------------------------------------------------------ the spec

let spec; // dereferenced
// Strict: an unknown keyword (a typo, or YAML that parsed into something else) is an error.
// The OpenAPI 3.1 additions to JSON Schema are declared as keywords.
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addKeyword('example').addKeyword('discriminator').addKeyword('xml').addKeyword('externalDocs');
addFormats(ajv);
const compiled = new Map();
// A schema that does not compile is reported where it is used, never skipped.
function validator(schema) {
  if (!compiled.has(schema)) {
    try {
      compiled.set(schema, ajv.compile(schema));
    } catch (e) {
      const fail = () => false;
      fail.errors = [{ instancePath: '', message: `the schema does not compile: ${e.message}` }];
      fail.broken = e;
      compiled.set(schema, fail);
    }
  }
  return compiled.get(schema);
}
function schemaErrors(schema, value) {
  const v = validator(schema);
  if (v(value)) return [];
  return v.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
let templates = []; // [{template, re, item}]
function findPath(path) {
  for (const t of templates) {
    if (t.re.test(path)) return t;
  }
  return null;
}

// ------------------------------------------------------------------------------------ HTTP

// A minimal FastCGI client: one request on a fresh connection (the pool's /internal/* routes
// are not exposed by nginx, so the pipeline's callback is tested on the pool itself).
function fcgi(listen, method, path, headers, body) {
  const [host, port] = listen.split(':');
  const rec = (type, content) => {
    const pad = (8 - (content.length % 8)) % 8;
    const h = Buffer.alloc(8);
    h.writeUInt8(1, 0);
    h.writeUInt8(type, 1);
    h.writeUInt16BE(1, 2);
    h.writeUInt16BE(content.length, 4);
    h.writeUInt8(pad, 6);
    return Buffer.concat([h, content, Buffer.alloc(pad)]);
  };
  const len = (k) => (k < 128 ? Buffer.from([k]) : (() => { const b = Buffer.alloc(4); b.writeUInt32BE((k | 0x80000000) >>> 0); return b; })());
  const params = {
    REQUEST_METHOD: method, REQUEST_URI: path, DOCUMENT_URI: path.split('?')[0],
    QUERY_STRING: path.includes('?') ? path.split('?')[1] : '', SERVER_PROTOCOL: 'HTTP/1.1',
    CONTENT_LENGTH: String(body ? Buffer.byteLength(body) : 0), GATEWAY_INTERFACE: 'CGI/1.1',
  };
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toUpperCase().replace(/-/g, '_');
    if (key === 'CONTENT_TYPE') params.CONTENT_TYPE = v;
    else params[`HTTP_${key}`] = v;
  }
  const pairs = Buffer.concat(Object.entries(params).map(([k, v]) => {
    const kb = Buffer.from(k), vb = Buffer.from(v);
    return Buffer.concat([len(kb.length), len(vb.length), kb, vb]);
  }));
  const begin = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]);
  const stdin = body ? Buffer.from(body) : Buffer.alloc(0);
  const out = [rec(1, begin), rec(4, pairs), rec(4, Buffer.alloc(0))];
  for (let i = 0; i < stdin.length; i += 65535) out.push(rec(5, stdin.subarray(i, i + 65535)));
  out.push(rec(5, Buffer.alloc(0)));
  return new Promise((resolve, reject) => {
    // the pool listens on a unix socket (a path) or on host:port
    const sock = listen.startsWith('/') ? net.connect(listen) : net.connect(parseInt(port, 10), host);
    let buf = Buffer.alloc(0);
    const stdout = [];
    sock.setTimeout(15000, () => sock.destroy(new Error('FastCGI timeout')));
    sock.on('error', reject);
    sock.on('connect', () => sock.write(Buffer.concat(out)));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const type = buf.readUInt8(1), clen = buf.readUInt16BE(4), pad = buf.readUInt8(6);
        if (buf.length < 8 + clen + pad) break;
        const content = buf.subarray(8, 8 + clen);
        buf = buf.subarray(8 + clen + pad);
        if (type === 6) stdout.push(content);
        if (type === 3) {
          sock.end();
          const text = Buffer.concat(stdout).toString('utf8');
          const cut = text.indexOf('\r\n\r\n');
          const head = text.slice(0, cut).split('\r\n');
          const hdrs = new Map();
          for (const line of head) {
            const i = line.indexOf(':');
            hdrs.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
          }
          const status = parseInt((hdrs.get('status') || '200').split(' ')[0], 10);
          return resolve({ status, headers: hdrs, text: text.slice(cut + 4) });
        }
      }
    });
  });
}

// call(label, method, path, opts): one request, checked against the spec.
//   opts: token, cookie, json (a value to send as JSON), raw (a string body), headers,
//         expect (status), reqValid (true/false: the JSON body must/must not fit the schema),
//         fcgi (send to the pool instead of nginx)
async function call(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.Cookie = `__Host-platform_session=${opts.cookie}`;
  // a cookie request that changes state comes from the platform's own pages (CSRF rule)
  if (opts.cookie && !['GET', 'HEAD'].includes(method)) {
    headers.Origin = new URL(env('PLATFORM_PUBLIC_URL')).origin;
    headers['Content-Type'] = 'application/json';
  }
  let body;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (opts.raw !== undefined) body = opts.raw;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let res;
  if (opts.fcgi) {
    res = await fcgi(env('PLATFORM_API_LISTEN'), method, path, headers, body);
  } else {
    const r = await fetch(BASE + path, { method, headers, body, redirect: 'manual' });
    const hdrs = new Map();
    r.headers.forEach((v, k) => hdrs.set(k, v));
    res = { status: r.status, headers: hdrs, text: await r.text() };
  }
  let json;
  try { json = res.text ? JSON.parse(res.text) : undefined; } catch { json = undefined; }
  res.json = json;

  const problems = [];
  const pathOnly = path.split('?')[0];
  const t = findPath(pathOnly);
  const op = t && t.item[method.toLowerCase()];
  let shown = `${method} ${t ? t.template : pathOnly}`;
  let response; // the spec's response object for this status
  if (!t) {
    response = spec.components.responses.NotFound;
    if (res.status !== 404) problems.push(`an unknown path answered ${res.status}, not 404`);
  } else if (!op) {
    response = spec.components.responses.MethodNotAllowed;
    if (res.status !== 405) problems.push(`an undocumented method answered ${res.status}, not 405`);
    const want = METHODS.filter((m) => t.item[m]).map((m) => m.toUpperCase());
    if (want.includes('GET') && !want.includes('HEAD')) want.push('HEAD');
    const got = (res.headers.get('allow') || '').split(/,\s*/).filter(Boolean);
    if (got.slice().sort().join(',') !== want.slice().sort().join(','))
      problems.push(`Allow is '${got.join(', ')}'; the document has ${want.join(', ')}`);
  } else {
    response = op.responses[String(res.status)];
    if (!response) problems.push(`status ${res.status} is not documented for ${shown}`);
  }
  if (opts.expect !== undefined && res.status !== opts.expect)
    problems.push(`the scenario expected ${opts.expect}, got ${res.status}`);
  if (!res.headers.get('x-request-id')) problems.push('no X-Request-Id header');
  if (response) {
    for (const [name, h] of Object.entries(response.headers || {})) {
      const v = res.headers.get(name.toLowerCase());
      if (v === undefined) {
        if (h.required) problems.push(`no ${name} header`);
        continue;
      }
      if (h.schema) schemaErrors(h.schema, v).forEach((e) => problems.push(`header ${name}: ${e} (value '${v}')`));
    }
    const ctype = (res.headers.get('content-type') || '').split(';')[0].trim();
    if (!response.content) {
      if (res.text.length) problems.push(`a body where the document has none: ${res.text.slice(0, 200)}`);
    } else if (!response.content[ctype]) {
      problems.push(`content type '${ctype}' is not documented (${Object.keys(response.content).join(', ')})`);
    } else {
      const schema = response.content[ctype].schema;
      const value = ctype === 'application/json' ? json : res.text;
      if (ctype === 'application/json' && json === undefined) problems.push(`the body is not JSON: ${res.text.slice(0, 200)}`);
      else if (schema) schemaErrors(schema, value).forEach((e) => problems.push(`body ${e}`));
    }
  }
  if (problems.length && res.text) problems.push(`body: ${res.text.slice(0, 400)}`);
  const label = opts.label ? ` (${opts.label})` : '';
  ok(problems.length === 0, `${shown} ${res.status} matches schema${label}`, problems);

  if (opts.reqValid !== undefined && op && op.requestBody) {
    const schema = op.requestBody.content['application/json'].schema;
    const errs = schemaErrors(schema, opts.json);
    if (opts.reqValid)
      ok(errs.length === 0, `${shown} request body fits the request schema${label}`, errs);
    else
      ok(errs.length > 0, `${shown} request body is refused by the request schema too${label}`,
        ['the schema accepts a body the server refused']);
  }
  return res;
}

function check(cond, name, problems = []) { return ok(!!cond, name, problems); }

async function fake(path, body) {
  const r = await fetch(FAKE_GITHUB + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`fake GitHub ${path}: ${r.status}`);
}

function psql(sql) {
  return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', env('PLATFORM_DATABASE_URL'), '-c', sql], { encoding: 'utf8' }).trim();
}

// ------------------------------------------------------------------------------------ scenario

async function main() {
  // 1. the document itself
  try {
    await SwaggerParser.validate(specPath);
    ok(true, 'api/openapi.yaml is a valid OpenAPI 3.1 document');
  } catch (e) {
    ok(false, 'api/openapi.yaml is a valid OpenAPI 3.1 document', [e.message]);
    return;
  }
  const text = fs.readFileSync(specPath, 'utf8');
  const raw = YAML.parse(text);
  check(raw.openapi && raw.openapi.startsWith('3.1.'), 'the document is OpenAPI 3.1');
  spec = await SwaggerParser.dereference(YAML.parse(text));
  templates = Object.entries(spec.paths).map(([template, item]) => ({
    template, item,
    re: new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+') + '$'),
  }));
  // Every schema compiles under draft 2020-12 with formats.
  const bad = [];
  for (const [name, s] of Object.entries(spec.components.schemas)) {
    const v = validator(s);
    if (v.broken) bad.push(`${name}: ${v.broken.message}`);
  }
  check(bad.length === 0, 'every component schema compiles (ajv strict, draft 2020-12)', bad);

  // The document and the route table (fcgi/routes.c) name the same operations.
  if (process.env.ROUTES_C) {
    const table = [...fs.readFileSync(process.env.ROUTES_C, 'utf8').matchAll(/ROUTE(?:_[A-Z]+)?\("([A-Z]+)",\s*"([^"]+)"/g)]
      .map((m) => `${m[1]} ${m[2]}`);
    const documented = Object.entries(spec.paths).flatMap(([p, item]) =>
      METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`));
    const missing = table.filter((r) => !documented.includes(r));
    const extra = documented.filter((d) => !table.includes(d));
    check(table.length > 0 && missing.length === 0, `every route of fcgi/routes.c is documented (${table.length} routes)`,
      missing.map((m) => `not documented: ${m}`));
    check(extra.length === 0, 'every documented operation is a route of fcgi/routes.c', extra.map((m) => `no such route: ${m}`));
  }

  // 2. health and the served document
  await call('GET', '/api/healthz', { expect: 200 });
  await call('GET', '/api/readyz', { expect: 200 });
  const served = await call('GET', '/api/openapi.yaml', { expect: 200 });
  check(served.text === text, 'GET /api/openapi.yaml serves api/openapi.yaml as built',
    ['the served copy differs from the file: run make']);

  // 3. sign-in
  await fake('/_fake/users', { token: 'gh-ann-token', id: 3101, login: 'ann', name: 'Ann Example', repos: 3 });
  await fake('/_fake/users', { token: 'gh-ben-token', id: 3102, login: 'ben', name: null, repos: 0 });
  await fake('/_fake/users', { token: 'gh-dee-token', id: 3104, login: 'dee', repos: 0 });
  await fake('/_fake/ratelimit', { token: 'gh-dee-token', reset: 1900000000 });

  let r = await call('POST', '/api/auth/session', { json: { github_token: 'gh-ann-token' }, expect: 200, reqValid: true, label: 'ann' });
  const ANN = r.json && r.json.token;
  const ANN_ID = r.json && r.json.user && r.json.user.id;
  r = await call('POST', '/api/auth/session', { json: { github_token: 'gh-ben-token' }, expect: 200, reqValid: true, label: 'ben' });
  const BEN = r.json && r.json.token;
  const BEN_ID = r.json && r.json.user && r.json.user.id;
  if (!ANN || !BEN) throw new Error('sign-in failed; the rest cannot run');
  await call('POST', '/api/auth/session', { json: {}, expect: 422, reqValid: false, label: 'no github_token' });
  await call('POST', '/api/auth/session', { json: { github_token: 'x', remember: true }, expect: 422, reqValid: false, label: 'unknown field' });
  await call('POST', '/api/auth/session', { json: { github_token: 'gh-revoked' }, expect: 401, label: 'a token GitHub refuses' });
  await call('POST', '/api/auth/session', { json: { github_token: 'gh-dee-token' }, expect: 429, label: 'GitHub rate limit' });
  await call('POST', '/api/auth/session', { raw: '{"github_token":', expect: 400, label: 'broken JSON' });
  await call('POST', '/api/auth/session', { raw: '["gh-ann-token"]', expect: 400, label: 'not an object' });
  r = await call('GET', '/api/auth/github/login', { expect: 200 });
  await call('POST', '/api/auth/github/callback', { json: { code: 'nope', state: 'not-a-state' }, expect: 400, reqValid: true, label: 'unknown state' });
  await call('POST', '/api/auth/github/callback', { json: { code: 'nope' }, expect: 422, reqValid: false, label: 'no state' });

  // 4. me, repos
  await call('GET', '/api/me', { token: ANN, expect: 200, label: 'bearer' });
  await call('GET', '/api/me', { cookie: ANN, expect: 200, label: 'cookie' });
  await call('GET', '/api/me', { expect: 401, label: 'no session' });
  await call('GET', '/api/me', { token: 'not-a-session', expect: 401, label: 'unknown session' });
  r = await call('GET', '/api/github/repos?limit=2', { token: ANN, expect: 200 });
  check(r.json && r.json.next_cursor === '2', 'the repository list pages on (next_cursor "2")');
  await call('GET', '/api/github/repos?limit=2&cursor=2', { token: ANN, expect: 200, label: 'last page' });
  await call('GET', '/api/github/repos?limit=0', { token: ANN, expect: 400, label: 'limit 0' });
  await call('GET', '/api/github/repos?cursor=abc', { token: ANN, expect: 400, label: 'bad cursor' });

  // 5. workspaces
  r = await call('GET', '/api/workspaces', { token: ANN, expect: 200 });
  const PERSONAL = r.json && r.json.items && r.json.items[0] && r.json.items[0].id;
  await call('GET', '/api/workspaces?limit=500', { token: ANN, expect: 400, label: 'limit 500' });
  await call('GET', '/api/workspaces?cursor=%2Fbad', { token: ANN, expect: 400, label: 'bad cursor' });
  r = await call('POST', '/api/workspaces', { token: ANN, json: { name: 'Contract Team' }, expect: 201, reqValid: true });
  const WS = r.json && r.json.id;
  await call('POST', '/api/workspaces', { token: ANN, json: { name: '' }, expect: 422, reqValid: false, label: 'empty name' });
  await call('POST', '/api/workspaces', { token: ANN, json: { name: 'x'.repeat(101) }, expect: 422, reqValid: false, label: 'name too long' });
  await call('POST', '/api/workspaces', { token: ANN, json: { name: 'tab\there' }, expect: 422, reqValid: false, label: 'control character' });
  await call('POST', '/api/workspaces', { token: ANN, json: { name: 7 }, expect: 422, reqValid: false, label: 'name not a string' });
  await call('POST', '/api/workspaces', { json: { name: 'x' }, expect: 401, label: 'no session' });
  await call('GET', `/api/workspaces/${WS}`, { token: ANN, expect: 200 });
  await call('GET', `/api/workspaces/${WS}`, { token: BEN, expect: 404, label: 'not a member' });
  await call('GET', '/api/workspaces/nosuchws', { token: ANN, expect: 404, label: 'unknown id' });
  await call('GET', '/api/workspaces/bad%zzescape', { token: ANN, expect: 400, label: 'bad escape' });
  await call('PATCH', `/api/workspaces/${WS}`, { token: ANN, json: { name: 'Contract Team 2' }, expect: 200, reqValid: true });

  // 6. members
  await call('POST', `/api/workspaces/${WS}/members`, { token: ANN, json: { login: 'ben', role: 'viewer' }, expect: 201, reqValid: true });
  await call('POST', `/api/workspaces/${WS}/members`, { token: ANN, json: { login: 'ben', role: 'viewer' }, expect: 409, reqValid: true, label: 'twice' });
  await call('POST', `/api/workspaces/${WS}/members`, { token: ANN, json: { login: 'nobody-here', role: 'viewer' }, expect: 404, reqValid: true, label: 'unknown login' });
  await call('POST', `/api/workspaces/${WS}/members`, { token: ANN, json: { login: 'ben', role: 'boss' }, expect: 422, reqValid: false, label: 'bad role' });
  r = await call('GET', `/api/workspaces/${WS}/members?limit=1`, { token: BEN, expect: 200 });
  check(r.json && typeof r.json.next_cursor === 'string', 'members page on with a string cursor');
  await call('GET', `/api/workspaces/${WS}/members?cursor=${encodeURIComponent(r.json.next_cursor)}`, { token: BEN, expect: 200, label: 'next page' });
  await call('GET', `/api/workspaces/${WS}`, { token: BEN, expect: 200, label: 'as a viewer' });
  await call('PATCH', `/api/workspaces/${WS}`, { token: BEN, json: { name: 'mine now' }, expect: 403, label: 'viewer' });
  await call('GET', `/api/workspaces/${WS}/audit`, { token: BEN, expect: 403, label: 'viewer' });
  await call('PATCH', `/api/workspaces/${WS}/members/ann`, { token: BEN, json: { role: 'viewer' }, expect: 403, label: 'viewer' });
  await call('PATCH', `/api/workspaces/${WS}/members/ann`, { token: ANN, json: { role: 'admin' }, expect: 409, reqValid: true, label: 'last owner' });
  await call('PATCH', `/api/workspaces/${WS}/members/nobody`, { token: ANN, json: { role: 'admin' }, expect: 404, label: 'not a member' });
  await call('PATCH', `/api/workspaces/${WS}/members/ben`, { token: ANN, json: { role: 'developer' }, expect: 200, reqValid: true });
  await call('PATCH', `/api/workspaces/${WS}/members/ben`, { token: ANN, json: { role: 'viewer', x: 1 }, expect: 422, reqValid: false, label: 'unknown field' });
  await call('DELETE', `/api/workspaces/${WS}/members/nobody`, { token: ANN, expect: 404, label: 'not a member' });
  await call('DELETE', `/api/workspaces/${WS}/members/ann`, { token: ANN, expect: 409, label: 'last owner leaves' });

  // 7. projects
  const repo = `${FAKE_GITHUB}/ann/repo-1.git`;
  const create = {
    name: 'api', repo_url: repo, branch: 'main', port: 8080, framework: 'node', auto_deploy: true,
    replicas: 2, env: { DATABASE_PASSWORD: 's3cret', MODE: 'prod' },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
  };
  r = await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: create, expect: 201, reqValid: true, label: 'full' });
  const P1 = r.json && r.json.id;
  check(r.json && r.json.env && r.json.env.DATABASE_PASSWORD === '********', 'env values come back masked');
  check(r.json && r.json.host === `api-${ANN_ID}.${DOMAIN}` && r.json.app_name === `${WS}-${ANN_ID}-api`,
    'derived names: host and app_name', [`host ${r.json && r.json.host}, app_name ${r.json && r.json.app_name}`]);
  r = await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'web', repo_url: `${FAKE_GITHUB}/ann/repo-2`, custom_domain: 'www.contract.example' }, expect: 201, reqValid: true, label: 'minimal, custom domain' });
  const P2 = r.json && r.json.id;
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'api', repo_url: repo }, expect: 409, reqValid: true, label: 'name taken' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'other', repo_url: repo, custom_domain: 'www.contract.example' }, expect: 409, reqValid: true, label: 'domain taken' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'Bad_Name', repo_url: repo }, expect: 422, reqValid: false, label: 'bad name' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, port: 70000 }, expect: 422, reqValid: false, label: 'port out of range' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, replicas: 21 }, expect: 422, reqValid: false, label: 'too many replicas' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, framework: 'rails' }, expect: 422, reqValid: false, label: 'unknown framework' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, branch: 'a..b' }, expect: 422, reqValid: false, label: 'bad branch' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, env: { '1BAD': 'x' } }, expect: 422, reqValid: false, label: 'bad env name' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, resources: { requests: { cpu: 'lots' } } }, expect: 422, reqValid: false, label: 'bad quantity' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, resources: { requests: { gpu: '1' } } }, expect: 422, reqValid: false, label: 'unknown resource' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, custom_domain: '10.0.0.1' }, expect: 422, reqValid: false, label: 'IP as domain' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: 'https://gitlab.example/a/b' }, expect: 422, label: 'repo elsewhere' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, custom_domain: `x.${DOMAIN}` }, expect: 422, reqValid: true, label: 'domain under the platform domain' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1' }, expect: 422, reqValid: false, label: 'no repo_url' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: ANN, json: { name: 'p1', repo_url: repo, owner: 'x' }, expect: 422, reqValid: false, label: 'unknown field' });
  await call('POST', `/api/workspaces/${WS}/projects`, { token: BEN, json: { name: 'p1', repo_url: repo }, expect: 403, label: 'developer' });
  await call('POST', `/api/workspaces/${PERSONAL}/projects`, { token: BEN, json: { name: 'p1', repo_url: repo }, expect: 404, label: "another's workspace" });

  r = await call('GET', `/api/workspaces/${WS}/projects?limit=1`, { token: BEN, expect: 200 });
  const cur = r.json && r.json.next_cursor;
  check(typeof cur === 'string', 'projects page on with a uuid cursor');
  r = await call('GET', `/api/workspaces/${WS}/projects?cursor=${cur}`, { token: BEN, expect: 200, label: 'next page' });
  check(r.json && r.json.next_cursor === null, 'the last page has next_cursor null');
  await call('GET', `/api/workspaces/${WS}/projects?cursor=not-a-uuid`, { token: BEN, expect: 400, label: 'bad cursor' });
  await call('GET', `/api/projects/${P1}`, { token: BEN, expect: 200 });
  await call('GET', '/api/projects/00000000-0000-4000-8000-000000000000', { token: ANN, expect: 404, label: 'unknown id' });
  await call('GET', '/api/projects/not-a-uuid', { token: ANN, expect: 404, label: 'not a uuid' });
  await call('PATCH', `/api/projects/${P1}`, {
    token: ANN, expect: 200, reqValid: true,
    json: { port: 9090, branch: 'release/v1', custom_domain: 'api.contract.example', env: { DATABASE_PASSWORD: '********', MODE: null, NEW: 'x' }, resources: {}, auto_deploy: false },
  });
  r = await call('PATCH', `/api/projects/${P2}`, { token: ANN, json: { custom_domain: null, name: 'web' }, expect: 200, reqValid: true, label: 'drop the domain' });
  check(r.json && r.json.custom_domain === null && r.json.host === `web-${ANN_ID}.${DOMAIN}`, 'without a custom domain the host is generated again');
  await call('PATCH', `/api/projects/${P1}`, { token: ANN, json: { name: 'renamed' }, expect: 422, reqValid: true, label: 'rename' });
  await call('PATCH', `/api/projects/${P1}`, { token: ANN, json: { port: '80' }, expect: 422, reqValid: false, label: 'port as a string' });
  await call('PATCH', `/api/projects/${P1}`, { token: BEN, json: { port: 1 }, expect: 403, label: 'developer' });

  // 8. deployments (no worker runs here: they stay queued unless the test moves them)
  r = await call('POST', `/api/projects/${P1}/deploy`, { token: ANN, json: {}, headers: { 'Idempotency-Key': 'contract-1' }, expect: 202, reqValid: true });
  const D1 = r.json && r.json.id;
  r = await call('POST', `/api/projects/${P1}/deploy`, { token: ANN, json: {}, headers: { 'Idempotency-Key': 'contract-1' }, expect: 202, label: 'replayed' });
  check(r.headers.get('idempotent-replayed') === 'true' && r.json && r.json.id === D1, 'a repeated Idempotency-Key replays the deployment');
  await call('POST', `/api/projects/${P1}/deploy`, { token: ANN, json: { commit: 'XYZ' }, expect: 422, reqValid: false, label: 'bad commit' });
  await call('POST', `/api/projects/${P1}/deploy`, { token: ANN, json: { rollback_of: D1 }, expect: 409, reqValid: true, label: 'nothing to roll back to' });
  await call('POST', `/api/projects/${P1}/deploy`, { token: ANN, json: { branch: 'x' }, headers: { 'Idempotency-Key': 'bad key' }, expect: 422, label: 'bad Idempotency-Key' });
  await call('GET', `/api/deployments/${D1}`, { token: BEN, expect: 200 });
  await call('GET', '/api/deployments/00000000-0000-4000-8000-000000000000', { token: ANN, expect: 404, label: 'unknown id' });
  await call('POST', `/api/deployments/${D1}/cancel`, { token: ANN, expect: 200, label: 'queued' });
  await call('POST', `/api/deployments/${D1}/cancel`, { token: ANN, expect: 409, label: 'already cancelled' });
  r = await call('POST', `/api/projects/${P1}/deploy`, { token: BEN, json: { branch: 'main', commit: 'abcdef0' }, expect: 202, reqValid: true, label: 'developer' });
  const D2 = r.json && r.json.id;
  r = await call('GET', `/api/projects/${P1}/deployments?limit=1`, { token: BEN, expect: 200 });
  check(r.json && r.json.next_cursor !== null, 'deployments page on');
  await call('GET', `/api/projects/${P1}/deployments?cursor=${r.json && r.json.next_cursor}`, { token: BEN, expect: 200, label: 'next page' });
  await call('GET', `/api/projects/${P1}/deployments?cursor=abc`, { token: BEN, expect: 400, label: 'bad cursor' });

  // the pipeline's callback, on the pool itself (see the TODO below for nginx)
  const cb = 'contract-callback-token';
  const hash = crypto.createHash('sha256').update(cb).digest('hex');
  psql(`UPDATE deployments SET callback_token_hash = decode('${hash}', 'hex') WHERE id IN ('${D1}', '${D2}')`);
  const ev = (json, o = {}) => call('POST', '/internal/jenkins/events', { fcgi: true, json, ...o });
  await ev({ deployment_id: D2, event: 'stage', stage: 'Build' }, { headers: { Authorization: `Bearer ${cb}` }, expect: 200, reqValid: true, label: 'stage' });
  await ev({ deployment_id: D2, event: 'stage' }, { headers: { Authorization: `Bearer ${cb}` }, expect: 422, reqValid: false, label: 'stage without a stage' });
  await ev({ deployment_id: D2, event: 'done' }, { headers: { Authorization: `Bearer ${cb}` }, expect: 422, reqValid: false, label: 'unknown event' });
  await ev({ deployment_id: D2, event: 'result', result: 'FAILURE' }, { expect: 401, label: 'no token' });
  await ev({ deployment_id: D2, event: 'result', result: 'FAILURE' }, { headers: { Authorization: 'Bearer wrong' }, expect: 401, label: 'wrong token' });
  await ev({ deployment_id: '00000000-0000-4000-8000-000000000000', event: 'pushed' }, { headers: { Authorization: `Bearer ${cb}` }, expect: 401, reqValid: true, label: 'unknown deployment (answered as a wrong token)' });
  await ev({ deployment_id: D1, event: 'pushed' }, { headers: { Authorization: `Bearer ${cb}` }, expect: 409, reqValid: true, label: 'cancelled deployment' });
  await ev(undefined, { raw: 'nope', headers: { Authorization: `Bearer ${cb}` }, expect: 400, label: 'not JSON' });
  await call('POST', `/api/deployments/${D2}/cancel`, { token: BEN, expect: 202, label: 'building' });
  r = await call('GET', `/api/deployments/${D2}`, { token: ANN, expect: 200, label: 'cancel requested' });
  check(r.json && r.json.state === 'building' && r.json.cancel_requested_at, 'a building deployment shows the cancel request');
  r = await fetch(`${BASE}/internal/jenkins/events`, { method: 'POST', headers: { Authorization: `Bearer ${cb}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ deployment_id: D2, event: 'stage', stage: 'Push' }) });
  ok(r.status === 200, 'POST /internal/jenkins/events reaches the API through nginx (the CALLBACK_URL Jenkins gets)',
    [`got ${r.status}: nginx's /internal/ location is internal-only, forces GET and drops the body`],
    r.status === 200 ? null : 'nginx does not route the pipeline callback');

  // 9. audit
  r = await call('GET', `/api/workspaces/${WS}/audit?limit=2`, { token: ANN, expect: 200 });
  check(r.json && /^[0-9]+$/.test(r.json.next_cursor || ''), 'the audit trail pages on with a numeric cursor');
  await call('GET', `/api/workspaces/${WS}/audit?cursor=${r.json && r.json.next_cursor}`, { token: ANN, expect: 200, label: 'next page' });
  await call('GET', `/api/workspaces/${WS}/audit?cursor=abc`, { token: ANN, expect: 400, label: 'bad cursor' });

  // 10. generic errors: 404, 405, 413
  await call('GET', '/api/nope', { token: ANN, expect: 404, label: 'unknown path' });
  await call('PUT', '/api/me', { token: ANN, expect: 405 });
  await call('DELETE', '/api/workspaces', { token: ANN, expect: 405 });
  await call('GET', '/api/auth/logout', { expect: 405 });
  await call('PUT', `/api/projects/${P1}`, { token: ANN, json: {}, expect: 405 });
  const big = { name: 'x'.repeat(MAX_BODY + 10) };
  await call('POST', '/api/workspaces', { token: ANN, json: big, expect: 413, label: 'over PLATFORM_MAX_BODY' });
  await call('POST', '/api/auth/session', { json: { github_token: 'y'.repeat(MAX_BODY) }, expect: 413, label: 'over PLATFORM_MAX_BODY' });
  await call('PATCH', `/api/projects/${P1}`, { token: ANN, json: { env: { BIG: 'z'.repeat(MAX_BODY) } }, expect: 413, label: 'over PLATFORM_MAX_BODY' });

  // 11. deletes
  await call('DELETE', `/api/projects/${P1}`, { token: BEN, expect: 403, label: 'developer' });
  await call('DELETE', `/api/workspaces/${WS}`, { token: ANN, expect: 409, label: 'not empty' });
  await call('DELETE', `/api/workspaces/${PERSONAL}`, { token: ANN, expect: 409, label: 'personal' });
  await call('DELETE', `/api/workspaces/${WS}`, { token: BEN, expect: 403, label: 'developer' });
  await call('DELETE', `/api/projects/${P1}`, { token: ANN, expect: 204 });
  await call('DELETE', `/api/projects/${P2}`, { token: ANN, expect: 204 });
  await call('GET', `/api/projects/${P1}`, { token: ANN, expect: 404, label: 'deleted' });
  await call('DELETE', `/api/workspaces/${WS}/members/ben`, { token: BEN, expect: 204, label: 'leave' });
  await call('GET', `/api/workspaces/${WS}`, { token: BEN, expect: 404, label: 'after leaving' });
  await call('DELETE', `/api/workspaces/${WS}`, { token: ANN, expect: 204 });

  // 12. sign-out
  r = await call('POST', '/api/auth/logout', { cookie: BEN, expect: 204 });
  check(/Max-Age=0/.test(r.headers.get('set-cookie') || ''), 'logout clears the cookie');
  await call('GET', '/api/me', { token: BEN, expect: 401, label: 'after logout' });
  await call('POST', '/api/auth/logout', { expect: 204, label: 'no session' });
  void BEN_ID;
}

main().catch((e) => {
  ok(false, 'the scenario ran to the end', [e.stack || String(e)]);
}).finally(() => {
  fs.writeFileSync(summaryPath, JSON.stringify({ count, failed }));
});
