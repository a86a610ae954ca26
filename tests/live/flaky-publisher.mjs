// flaky-publisher.mjs: a loopback stand-in for the nchan publisher that refuses some POSTs.
//
//   node flaky-publisher.mjs UPSTREAM_URL PORT_FILE SKIP FAIL
//
// Passes the first SKIP requests to UPSTREAM_URL (the real publisher), answers the next FAIL with
// 503, and passes everything after: the worker sees nchan fail in the middle of a build.
import http from 'node:http';
import fs from 'node:fs';

const [upstream, portFile, skip, fail] = process.argv.slice(2);
let n = 0;
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    n++;
    if (n > Number(skip) && n <= Number(skip) + Number(fail)) {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      return res.end('unavailable\n');
    }
    const up = http.request(upstream + req.url, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    up.end(Buffer.concat(parts));
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
process.on('SIGTERM', () => process.exit(0));
