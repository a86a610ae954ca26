#!/usr/bin/env node
// tests/notify/receiver.js: a notification receiver on loopback for the tests. It records every
// request exactly as it came (headers, raw body in base64) and answers by path:
//   /ok/...            200
//   /fail/...          500, always
//   /flaky/N/...       500 for the first N requests to this path, then 200
//   /redirect/...      302 to /ok/redirected (a sender must not follow it)
//   /slow/MS/...       200 after MS milliseconds
// GET  /_recv/requests          every recorded request, oldest first
// POST /_recv/reset             forget them
// Usage: node receiver.js PORT_FILE   (listens on 127.0.0.1, a free port, written to PORT_FILE)
'use strict';
const http = require('http');
const fs = require('fs');

const portFile = process.argv[2];
let seen = [];
const hits = new Map();

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/_recv/requests') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(seen));
    }
    if (url.pathname === '/_recv/reset') {
      seen = [];
      hits.clear();
      res.writeHead(204);
      return res.end();
    }
    seen.push({ method: req.method, path: url.pathname, headers: req.headers,
      body_base64: body.toString('base64'), at: Date.now() });
    const n = (hits.get(url.pathname) || 0) + 1;
    hits.set(url.pathname, n);
    const parts = url.pathname.split('/').filter(Boolean);
    const answer = (status, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
      res.end(status < 300 ? 'thanks' : 'no');
    };
    switch (parts[0]) {
      case 'ok': return answer(200);
      case 'fail': return answer(500);
      case 'flaky': return answer(n <= Number(parts[1]) ? 500 : 200);
      case 'redirect': return answer(302, { Location: '/ok/redirected' });
      case 'slow': return setTimeout(() => answer(200), Number(parts[1]));
      default: return answer(404);
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
