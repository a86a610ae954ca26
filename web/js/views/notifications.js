// notifications.js: /w/{ws}/notifications: the workspace's outgoing webhooks (URL, events,
// format), each with its delivery log; admins add one (the secret the platform makes is shown
// once, right after), send a test and delete; other members read (URLs without their path).
import { api, q, enc } from '../api.js';
import { h, field, busy, formError, showError, clearErrors, time, banner, copy, announce } from '../dom.js';

// the events a notification may name (NotificationEvent in api/openapi.yaml), with what they mean
const EVENTS = [
  ['deployment.live', 'a deployment is live'],
  ['deployment.failed', 'a deployment failed'],
  ['preview.ready', "a pull request's preview is live"],
  ['deployment.building', 'a build started'],
  ['deployment.released', 'a release reached git'],
  ['deployment.cancelled', 'a deployment was cancelled'],
  ['deployment.superseded', 'a newer deployment took over'],
];
const DEFAULT_EVENTS = ['deployment.live', 'deployment.failed', 'preview.ready'];

function stateBadge(s) {
  return h('span', { class: `badge state-${s === 'failed' ? 'failed' : s}` }, s);
}

export async function notificationsView([ws], { view }) {
  const w = await api('GET', `/api/workspaces/${enc(ws)}`);
  const admin = w.role === 'admin' || w.role === 'owner';
  const list = h('ul', { class: 'cards', 'aria-label': 'Notifications' });
  const listErr = formError();
  const timers = new Set();
  let gone = false;

  // a card per notification: what it sends where, its actions, its last deliveries
  function card(n) {
    const tbody = h('tbody');
    const note = h('p', { class: 'meta', role: 'status' });
    async function loadDeliveries() {
      const r = await api('GET', q(`/api/workspaces/${enc(ws)}/notifications/${n.id}/deliveries`, { limit: 10 }));
      tbody.replaceChildren(...r.items.map((d) => h('tr', { dataset: { delivery: d.id, state: d.state } },
        h('td', {}, time(d.created_at)), h('td', {}, h('code', {}, d.event)), h('td', {}, stateBadge(d.state)),
        h('td', {}, String(d.attempts)),
        h('td', {}, d.response_status === null ? '—' : String(d.response_status)),
        h('td', {}, d.response_ms === null ? '—' : `${d.response_ms} ms`),
        h('td', { class: 'details' }, d.error || ''))));
      if (!r.items.length) tbody.append(h('tr', {}, h('td', { colspan: 7 }, 'Nothing sent yet.')));
      return r.items;
    }
    // after "Send test": read the log again until the delivery is no longer pending
    function follow(id, left) {
      if (gone) return;
      const t = setTimeout(async () => {
        timers.delete(t);
        try {
          const items = await loadDeliveries();
          const d = items.find((x) => x.id === id);
          if (d && d.state !== 'pending') { note.textContent = `Test ${d.state}.`; announce(`test ${d.state}`); return; }
        } catch (e) { /* the next round tries again */ }
        if (left > 1) follow(id, left - 1);
      }, 1000);
      timers.add(t);
    }
    const actions = [];
    if (admin) {
      const test = h('button', { type: 'button', class: 'small', 'aria-label': `Send a test to ${n.url}` }, 'Send test');
      test.addEventListener('click', () => busy(test, 'Sending…', async () => {
        try {
          const d = await api('POST', `/api/workspaces/${enc(ws)}/notifications/${n.id}/test`, {});
          note.textContent = 'Test queued: it is sent within a second or so.';
          await loadDeliveries();
          follow(d.id, 60);
        } catch (e) { listErr.hidden = false; listErr.textContent = e.message; listErr.focus(); }
      }));
      const del = h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete the notification to ${n.url}` }, 'Delete');
      del.addEventListener('click', () => busy(del, 'Deleting…', async () => {
        try {
          await api('DELETE', `/api/workspaces/${enc(ws)}/notifications/${n.id}`);
          banner('ok', `Deleted the notification to ${n.url}, with its delivery log.`);
          await load();
        } catch (e) { listErr.hidden = false; listErr.textContent = e.message; listErr.focus(); }
      }));
      actions.push(test, del);
    }
    const el = h('li', { class: 'card notification', dataset: { id: n.id } },
      h('div', { class: 'row' }, h('span', { class: 'url' }, n.url), h('div', { class: 'row' }, actions)),
      h('p', { class: 'meta' }, `${n.format === 'slack' ? 'Slack format' : 'JSON, signed'} · `,
        n.events.join(', '), ' · added ', time(n.created_at), n.created_by ? ` by ${n.created_by}` : ''),
      note,
      h('div', { class: 'scroll-x' }, h('table', {}, h('caption', { class: 'offscreen' }, `Deliveries to ${n.url}`),
        h('thead', {}, h('tr', {}, ['Created', 'Event', 'State', 'Attempts', 'Answer', 'Time', 'Error'].map((c) => h('th', { scope: 'col' }, c)))),
        tbody)));
    return { el, loadDeliveries };
  }

  async function load() {
    const r = await api('GET', q(`/api/workspaces/${enc(ws)}/notifications`, { limit: 100 }));
    const cards = r.items.map(card);
    list.replaceChildren(...cards.map((c) => c.el));
    if (!cards.length) list.append(h('li', { class: 'meta' }, 'No notification yet: nothing is sent when a deployment ends.'));
    await Promise.all(cards.map((c) => c.loadDeliveries().catch(() => {})));
  }

  // the form (admins): URL, events, format, an optional secret
  const secretBox = h('div', { class: 'banner ok secret-once', id: 'secret-once', role: 'status', hidden: true });
  let form = null;
  if (admin) {
    const url = h('input', { name: 'url', type: 'url', required: true, maxlength: 2048, autocomplete: 'off',
      placeholder: 'https://example.com/hooks/platform' });
    const boxes = EVENTS.map(([ev]) => h('input', { type: 'checkbox', name: 'events', value: ev, checked: DEFAULT_EVENTS.includes(ev) }));
    const events = h('div', { class: 'field', dataset: { field: 'events' } },
      h('fieldset', { class: 'events', 'aria-describedby': 'events-err' }, h('legend', {}, 'Events'),
        EVENTS.map(([ev, what], i) => h('label', {}, boxes[i], h('code', {}, ev), h('span', { class: 'meta' }, what)))),
      h('p', { class: 'field-error', id: 'events-err', hidden: true }));
    const format = h('select', { name: 'format' },
      h('option', { value: 'json', selected: true }, 'JSON, signed (X-Platform-Signature-256)'),
      h('option', { value: 'slack' }, 'Slack incoming webhook'));
    const secret = h('input', { name: 'secret', autocomplete: 'off', maxlength: 256, spellcheck: 'false' });
    form = h('form', { class: 'card', novalidate: true }, h('h2', {}, 'Add a notification'), formError(),
      field('URL', url, 'Where each event is POSTed, as JSON. Private and loopback addresses are refused; redirects are not followed.'),
      events,
      field('Format', format, 'Slack: a message for an incoming-webhook URL.'),
      field('Secret', secret, 'The HMAC key of X-Platform-Signature-256, 16 to 256 characters. Leave it empty and the platform makes one, shown once.'),
      h('button', { type: 'submit', class: 'primary' }, 'Add notification'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      secretBox.hidden = true;
      const body = { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value), format: format.value };
      if (secret.value) body.secret = secret.value;
      busy(form.querySelector('button[type=submit]'), 'Adding…', async () => {
        try {
          const n = await api('POST', `/api/workspaces/${enc(ws)}/notifications`, body);
          url.value = '';
          secret.value = '';
          if (n.secret) {
            const copyBtn = h('button', { type: 'button', class: 'small' }, 'Copy');
            copyBtn.addEventListener('click', () => copy(n.secret, copyBtn));
            secretBox.replaceChildren(h('p', {}, h('strong', {}, 'The secret, shown this once: '),
              'check each delivery\'s X-Platform-Signature-256 with it. Copy it now.'),
            h('p', { class: 'row' }, h('code', { id: 'secret-value' }, n.secret), copyBtn));
            secretBox.hidden = false;
          } else banner('ok', `Notifications go to ${n.url} now.`);
          await load();
        } catch (err) { showError(form, err); }
      });
    });
  }

  view.replaceChildren(h('h1', {}, `Notifications of ${w.name}`),
    h('p', { class: 'hint' }, 'An HTTP POST to your URL when a deployment of this workspace ends (live, failed) or a preview goes live; ',
      'retried with a doubling back-off for a day.'),
    secretBox, listErr, list,
    form || h('p', { class: 'hint', id: 'notify-role' }, `Your role is ${w.role}: admins and owners add, test and delete notifications.`));
  await load();
  return () => { gone = true; timers.forEach(clearTimeout); };
}
