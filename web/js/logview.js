// logview.js: a deployment's build log, live: the stored backlog first, then the WebSocket of
// nchan, kept by byte offset exactly as the README's "Watching a build from a browser" says. A
// message that ends before what we have is a duplicate; one that starts after it (or a `gap`)
// means "read the backlog from where we are". Joining late, reconnecting, reloading or a
// lagging publisher neither loses nor doubles a line.
import { api } from './api.js';
import { AnsiRenderer } from './ansi.js';

// released is not final here: a runtime stage may still take it to live
const FINAL = ['live', 'failed', 'cancelled', 'superseded'];

export class LogView {
  // pre: the <pre> to write to; onStatus(state, message) for status messages
  constructor(deploymentId, pre, { onStatus, onComplete } = {}) {
    this.id = deploymentId;
    this.pre = pre;
    this.onStatus = onStatus || (() => {});
    this.onComplete = onComplete || (() => {});
    this.have = 0;                  // bytes of the log shown, from byte 0
    this.enc = new TextEncoder();
    this.dec = new TextDecoder();   // streaming: a character cut between chunks waits
    this.ansi = new AnsiRenderer(pre);
    this.chain = Promise.resolve();
    this.lastId = null;
    this.ws = null;
    this.closed = false;
    this.complete = false;
    this.follow = true;             // auto-scroll until the user scrolls up
    pre.addEventListener('scroll', () => {
      const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
      if (atEnd !== this.follow) {
        this.follow = atEnd;
        this.onFollow && this.onFollow(atEnd);
      }
    });
  }

  add(bytes) {
    if (!bytes.length) return;
    this.have += bytes.length;
    this.ansi.write(this.dec.decode(bytes, { stream: true }));
    if (this.follow) this.pre.scrollTop = this.pre.scrollHeight;
  }

  jumpToEnd() {
    this.follow = true;
    this.pre.scrollTop = this.pre.scrollHeight;
  }

  async backlog() {
    for (;;) {
      const j = await api('GET', `/api/deployments/${this.id}/logs?offset=${this.have}`);
      const b = this.enc.encode(j.text);
      this.add(b);
      if (j.complete && j.next_offset === this.have) this.markComplete();
      if (!b.length || j.next_offset === this.have) return;
    }
  }

  // Read the backlog again (in turn with the socket's messages): the stored log says when it is
  // complete, also for builds whose publisher sends no `end`.
  refresh() {
    this.chain = this.chain.then(() => this.backlog()).catch(() => {});
    return this.chain;
  }

  markComplete() {
    if (this.complete) return;
    this.complete = true;
    this.onComplete();
  }

  async onMessage(m) {
    if (m.type === 'log') {
      if (m.offset > this.have) await this.backlog();
      if (m.next_offset > this.have) this.add(this.enc.encode(m.text).slice(this.have - m.offset));
    } else if (m.type === 'gap' || (m.type === 'end' && m.offset > this.have)) {
      await this.backlog();
    } else if (m.type === 'status') {
      this.onStatus(m.state, m);
    }
    if (m.type === 'end' && m.offset <= this.have) this.markComplete();
  }

  async start(state) {
    await this.backlog();
    // a finished deployment whose log is complete needs no socket
    if (this.complete && FINAL.includes(state)) return;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/deployments/${this.id}/logs/ws` +
      (this.lastId ? `?last_event_id=${encodeURIComponent(this.lastId)}` : '');
    const ws = new WebSocket(url, 'ws+meta.nchan');
    this.ws = ws;
    ws.onmessage = (ev) => {        // "id: <nchan id>\ncontent-type: ...\n\n<json>"
      const sep = ev.data.indexOf('\n\n');
      const head = sep < 0 ? '' : ev.data.slice(0, sep);
      const idm = /^id: (.*)$/m.exec(head);
      if (idm) this.lastId = idm[1];
      let m;
      try { m = JSON.parse(sep < 0 ? ev.data : ev.data.slice(sep + 2)); } catch (e) { return; }
      this.chain = this.chain.then(() => this.onMessage(m)).catch(() => {});
    };
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      if (!this.closed) this.retry = setTimeout(() => this.connect(), 1000);
    };
  }

  close() {
    this.closed = true;
    clearTimeout(this.retry);
    if (this.ws) this.ws.close();
  }
}
