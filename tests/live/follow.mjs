// follow.mjs: follow one deployment's build log the way a frontend does, and report what it saw.
//
//   node follow.mjs BASE_URL DEPLOYMENT_ID [--bearer T | --cookie C] [--backlog] [--timeout MS]
//                   [--drop-after N] [--until STATE[,STATE]]
//
// --backlog     read GET /api/deployments/{id}/logs first, then subscribe (a late joiner)
// --drop-after  close the socket after N messages and reconnect with ?last_event_id= (resume)
// --until       stop at a status message with one of these states (default: the final ones) once
//               the "end" message (the log is complete) has come too
//
// The log is rebuilt by byte offset: a message that starts past what we have (or a "gap"
// message) makes us fetch the missing bytes from the backlog; one that ends before is a
// duplicate and skipped. Prints one JSON line:
//   {text, live_bytes, fetches, duplicates, gaps, messages, states, reconnects, ids, error}
import WebSocket from 'ws';

const [base, id, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i < rest.length; i++) {
  const k = rest[i].replace(/^--/, '');
  if (k === 'backlog') opt.backlog = true;
  else opt[k] = rest[++i];
}
const headers = {};
if (opt.cookie) headers.Cookie = opt.cookie;
if (opt.bearer) headers.Authorization = `Bearer ${opt.bearer}`;
const until = (opt.until || 'released,live,failed,cancelled,superseded').split(',');
const dropAfter = opt['drop-after'] ? parseInt(opt['drop-after'], 10) : 0;

const out = { text: '', live_bytes: 0, fetches: 0, duplicates: 0, gaps: 0, messages: 0, states: [], reconnects: 0, ids: [] };
let have = Buffer.alloc(0); // the log so far, from byte 0
let lastId = null;
let ws = null;
let finished = false;
let endSeen = false;
let stateSeen = false;

const finish = (err) => {
  if (finished) return;
  finished = true;
  if (err) out.error = String(err);
  out.text = have.toString('utf8');
  process.stdout.write(JSON.stringify(out) + '\n');
  try { ws && ws.terminate(); } catch { /* closed */ }
  process.exit(0);
};
setTimeout(() => finish('timeout'), parseInt(opt.timeout || '20000', 10));

async function fetchBacklog() {
  for (;;) {
    out.fetches++;
    const r = await fetch(`${base}/api/deployments/${id}/logs?offset=${have.length}`, { headers });
    if (r.status !== 200) throw new Error(`backlog: HTTP ${r.status}`);
    const j = await r.json();
    const add = Buffer.from(j.text, 'utf8');
    if (j.offset !== have.length) throw new Error(`backlog answered offset ${j.offset}, asked ${have.length}`);
    have = Buffer.concat([have, add]);
    if (!add.length || j.next_offset === have.length) return j;
  }
}

let chain = Promise.resolve();
function onData(data) {
  const msg = JSON.parse(data);
  out.messages++;
  if (msg.type === 'log') {
    const text = Buffer.from(msg.text, 'utf8');
    if (msg.offset > have.length) {
      // we missed something: the backlog has it
      return fetchBacklog().then(() => onData(data));
    }
    if (msg.next_offset <= have.length) {
      out.duplicates++;
      return;
    }
    const add = text.subarray(have.length - msg.offset);
    out.live_bytes += add.length;
    have = Buffer.concat([have, add]);
  } else if (msg.type === 'gap') {
    out.gaps++;
    return fetchBacklog();
  } else if (msg.type === 'end') {
    // the log is complete at msg.offset: fetch what we lack, then stop once the state is final too
    endSeen = true;
    const done = () => { if (stateSeen) finish(); };
    return msg.offset > have.length ? fetchBacklog().then(done) : done();
  } else if (msg.type === 'status') {
    out.states.push(msg.state);
    if (until.includes(msg.state)) {
      stateSeen = true;
      if (endSeen) finish();
    }
  }
}

function connect() {
  const wsBase = base.replace(/^http/, 'ws');
  let url = `${wsBase}/api/deployments/${id}/logs/ws`;
  if (lastId) url += `?last_event_id=${encodeURIComponent(lastId)}`;
  let seen = 0;
  ws = new WebSocket(url, ['ws+meta.nchan'], { headers });
  ws.on('unexpected-response', (req, res) => finish(`subscribe: HTTP ${res.statusCode}`));
  ws.on('error', (e) => finish(e.message || e));
  ws.on('message', (buf) => {
    const text = buf.toString('utf8');
    const sep = text.indexOf('\n\n');
    const head = text.slice(0, sep);
    lastId = (/^id: (.*)$/m.exec(head) || [])[1] || lastId;
    out.ids.push(lastId);
    const data = text.slice(sep + 2);
    chain = chain.then(() => onData(data)).catch((e) => finish(e));
    if (dropAfter && ++seen === dropAfter && out.reconnects === 0) {
      // a dropped connection: come back with the last id we saw
      out.reconnects++;
      const old = ws;
      old.removeAllListeners('error');
      old.terminate();
      chain = chain.then(() => connect());
    }
  });
}

(async () => {
  try {
    if (opt.backlog) {
      const j = await fetchBacklog();
      if (j.complete) {
        // a finished build: the backlog is the whole log
        out.states.push('(complete)');
      }
    }
    connect();
  } catch (e) {
    finish(e);
  }
})();
