// rtlogview.js: a project's runtime logs, live: what its running containers print. The newest
// lines first (GET /api/projects/{id}/runtime/logs?tail=N), then the runtime WebSocket of nchan,
// opened with a stream token (POST .../runtime/token) before the backlog is read, so no line
// falls between the two. The worker stores lines before it publishes them, so the socket may
// bring again what the backlog had: per container, a line older than the newest one read (or
// as old and with the same text) is dropped. A `gap` (the publisher lost messages) or a
// reconnect reads the backlog again. Each line is text, never markup; stdout and stderr differ
// by class and by a visible label.
import { api } from './api.js';
import { h } from './dom.js';

const ESC = /\u001b\[[0-9;?]*[\x40-\x7e]/g; // terminal escapes: shown as nothing

function ms(at) {
  const t = Date.parse(at);
  return Number.isNaN(t) ? null : t;
}

function clock(at) {
  const t = ms(at);
  return t === null ? '' : new Date(t).toLocaleTimeString([], { hour12: false });
}

export class RuntimeLogView {
  // pre: the <pre> to write to; onState(text) says what the view is doing (for a status line)
  constructor(projectId, pre, { tail = 200, onState } = {}) {
    this.id = projectId;
    this.pre = pre;
    this.tail = tail;
    this.onState = onState || (() => {});
    this.ws = null;
    this.closed = false;
    this.follow = true;
    this.newest = new Map();        // container -> {t, texts}: its newest time in the backlog (ms)
    this.chain = Promise.resolve(); // backlog reads and socket messages, in turn
    pre.addEventListener('scroll', () => {
      this.follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    });
  }

  lineEl(l) {
    const stream = l.stream === 'stderr' ? 'stderr' : 'stdout';
    return h('span', { class: `rt-line rt-${stream}`, dataset: { stream, container: l.container || '' } },
      h('span', { class: 'rt-meta' }, `${clock(l.at)} ${stream === 'stderr' ? 'err' : 'out'} `),
      h('span', { class: 'rt-text' }, String(l.text ?? '').replace(ESC, '')), '\n');
  }

  // Show lines; from the socket (live) those the backlog had already are left out.
  append(lines, live) {
    const els = [];
    for (const l of lines) {
      const t = ms(l.at), c = l.container || '';
      const b = this.newest.get(c);
      if (!live && t !== null) {
        if (!b || t > b.t) this.newest.set(c, { t, texts: [l.text] });
        else if (t === b.t) b.texts.push(l.text);
      } else if (live && b && t !== null) {
        if (t < b.t) continue;
        const i = t === b.t ? b.texts.indexOf(l.text) : -1;
        if (i >= 0) { b.texts.splice(i, 1); continue; }
      }
      els.push(this.lineEl(l));
    }
    if (!els.length) return;
    this.pre.append(...els);
    const all = this.pre.querySelectorAll('.rt-line');
    for (let i = 0; i < all.length - this.tail; i++) all[i].remove();
    if (this.follow) this.pre.scrollTop = this.pre.scrollHeight;
  }

  // the newest lines, in place of what is shown
  async backlog() {
    const r = await api('GET', `/api/projects/${this.id}/runtime/logs?tail=${this.tail}`);
    this.pre.replaceChildren();
    this.newest.clear();
    this.append(r.lines || [], false);
    this.pre.dataset.loaded = 'true';
  }

  reload() {
    const read = this.chain.then(() => this.backlog());
    this.chain = read.catch(() => {}); // the messages after it still go through
    return read;
  }

  onMessage(m) {
    if (m.type === 'runtime_log' && Array.isArray(m.lines)) this.append(m.lines, true);
    else if (m.type === 'gap') this.reload().catch(() => {});
  }

  async start() {
    await this.connect();
    await this.reload();
  }

  // Open the socket (a fresh token each time: it only has to open it); resolves once it is
  // open or has failed, so that the backlog read after it misses nothing.
  async connect() {
    if (this.closed) return;
    let url;
    try {
      url = (await api('POST', `/api/projects/${this.id}/runtime/token`, {})).url;
    } catch (e) {
      this.onState(`Live output is off: ${e.message}`);
      this.retry = setTimeout(() => this.connect().then(() => this.reload()).catch(() => {}), 5000);
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}${url}`, 'ws+meta.nchan');
    this.ws = ws;
    await new Promise((resolve) => {
      ws.onopen = () => {
        this.pre.dataset.live = 'on';
        this.onState('Following the live output.');
        resolve();
      };
      ws.onmessage = (ev) => {      // "id: <nchan id>\ncontent-type: ...\n\n<json>"
        const sep = ev.data.indexOf('\n\n');
        let m;
        try { m = JSON.parse(sep < 0 ? ev.data : ev.data.slice(sep + 2)); } catch (e) { return; }
        this.chain = this.chain.then(() => this.onMessage(m)).catch(() => {});
      };
      ws.onclose = () => {
        resolve();
        if (this.ws === ws) this.ws = null;
        this.pre.dataset.live = 'off';
        if (this.closed) return;
        this.onState('Reconnecting to the live output…');
        // lines printed meanwhile are stored: read them again once the socket is back
        this.retry = setTimeout(() => this.connect().then(() => this.reload()).catch(() => {}), 2000);
      };
    });
  }

  close() {
    this.closed = true;
    clearTimeout(this.retry);
    if (this.ws) this.ws.close();
  }
}
