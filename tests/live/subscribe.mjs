// subscribe.mjs: open an nchan WebSocket subscription the way a browser would and report it.
//
//   node subscribe.mjs URL [--cookie C] [--bearer T] [--origin O] [--want N] [--timeout MS] [--last-id ID]
//
// Prints one JSON line: {"opened":bool,"status":N,"messages":[{"id","type","data"}],"error":...}.
// Uses the ws+meta.nchan subprotocol, so each message carries its nchan id (for resuming).
import WebSocket from 'ws';

const args = process.argv.slice(2);
const url = args[0];
const opt = {};
for (let i = 1; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1];
const want = parseInt(opt.want || '1', 10);
const headers = {};
if (opt.cookie) headers.Cookie = opt.cookie;
if (opt.bearer) headers.Authorization = `Bearer ${opt.bearer}`;
let target = url;
if (opt['last-id']) target += (url.includes('?') ? '&' : '?') + 'last_event_id=' + encodeURIComponent(opt['last-id']);

const out = { opened: false, status: 0, messages: [] };
const ws = new WebSocket(target, ['ws+meta.nchan'], opt.origin ? { headers, origin: opt.origin } : { headers });
const done = () => {
  process.stdout.write(JSON.stringify(out) + '\n');
  try { ws.terminate(); } catch { /* closed */ }
  process.exit(0);
};
setTimeout(done, parseInt(opt.timeout || '5000', 10));
ws.on('unexpected-response', (req, res) => {
  out.status = res.statusCode;
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => { try { out.error = JSON.parse(body); } catch { out.error = body; } done(); });
});
ws.on('open', () => { out.opened = true; out.status = 101; });
ws.on('message', (buf) => {
  // ws+meta.nchan: "id: ...\ncontent-type: ...\n\n<data>"
  const text = buf.toString('utf8');
  const sep = text.indexOf('\n\n');
  const head = text.slice(0, sep), data = text.slice(sep + 2);
  const id = (/^id: (.*)$/m.exec(head) || [])[1];
  const type = (/^content-type: (.*)$/m.exec(head) || [])[1];
  out.messages.push({ id, type, data });
  if (out.messages.length >= want) done();
});
ws.on('error', (e) => { out.error = String(e.message || e); });
