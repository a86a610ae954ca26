// ansi.js: turn a build log with ANSI colour codes into spans with classes (no inline styles:
// the page's CSP has none). Feed it text in pieces: an escape sequence cut between two pieces is
// held until the rest arrives, and the colour carries over from one piece to the next.

const ESC = '\u001b';

export class AnsiRenderer {
  constructor(target) {
    this.target = target;
    this.pending = '';
    this.fg = null; this.bg = null; this.bold = false; this.dim = false;
    this.italic = false; this.underline = false;
  }

  // Append `text`; returns nothing. Only SGR (ESC [ ... m) is kept; other sequences are dropped.
  write(text) {
    let s = this.pending + text;
    this.pending = '';
    let i = 0, plain = '';
    while (i < s.length) {
      const e = s.indexOf(ESC, i);
      if (e < 0) { plain += s.slice(i); break; }
      plain += s.slice(i, e);
      const rest = s.slice(e);
      const m = /^\u001b\[([0-9;?]*)([\x40-\x7e])/.exec(rest);
      if (!m) {
        if (rest.length < 32 && /^\u001b(\[[0-9;?]*)?$/.test(rest)) { this.pending = rest; break; }
        i = e + 1; // a lone ESC: drop it
        continue;
      }
      if (plain) { this.emit(plain); plain = ''; }
      if (m[2] === 'm') this.sgr(m[1]);
      i = e + m[0].length;
    }
    if (plain) this.emit(plain);
  }

  emit(text) {
    const cls = [];
    if (this.fg !== null) cls.push(`ansi-fg${this.fg}`);
    if (this.bg !== null) cls.push(`ansi-bg${this.bg}`);
    if (this.bold) cls.push('ansi-bold');
    if (this.dim) cls.push('ansi-dim');
    if (this.italic) cls.push('ansi-italic');
    if (this.underline) cls.push('ansi-underline');
    const last = this.target.lastChild;
    const name = cls.join(' ');
    if (!name && last && last.nodeType === Node.TEXT_NODE) { last.appendData(text); return; }
    if (name && last && last.nodeType === Node.ELEMENT_NODE && last.className === name) {
      last.append(text);
      return;
    }
    if (!name) { this.target.append(document.createTextNode(text)); return; }
    const span = document.createElement('span');
    span.className = name;
    span.textContent = text;
    this.target.append(span);
  }

  sgr(params) {
    const p = params === '' ? [0] : params.split(';').map((x) => parseInt(x || '0', 10));
    for (let k = 0; k < p.length; k++) {
      const n = p[k];
      if (n === 0) { this.fg = this.bg = null; this.bold = this.dim = this.italic = this.underline = false; }
      else if (n === 1) this.bold = true;
      else if (n === 2) this.dim = true;
      else if (n === 3) this.italic = true;
      else if (n === 4) this.underline = true;
      else if (n === 22) this.bold = this.dim = false;
      else if (n === 23) this.italic = false;
      else if (n === 24) this.underline = false;
      else if (n >= 30 && n <= 37) this.fg = n - 30;
      else if (n >= 90 && n <= 97) this.fg = n - 90 + 8;
      else if (n === 39) this.fg = null;
      else if (n >= 40 && n <= 47) this.bg = n - 40;
      else if (n >= 100 && n <= 107) this.bg = n - 100 + 8;
      else if (n === 49) this.bg = null;
      else if ((n === 38 || n === 48) && p[k + 1] === 5) {
        // 256 colours: the 16 basic ones keep their class, the rest are left uncoloured
        const c = p[k + 2];
        if (c >= 0 && c < 16) { if (n === 38) this.fg = c; else this.bg = c; }
        k += 2;
      } else if ((n === 38 || n === 48) && p[k + 1] === 2) k += 4;
    }
  }
}

// The text of a log without its escape sequences (what a person reads)
export const stripAnsi = (s) => s.replace(/\u001b\[[0-9;?]*[\x40-\x7e]/g, '');
