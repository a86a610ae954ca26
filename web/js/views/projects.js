// projects.js: /w/{ws}: the workspace's projects with their state, live URL (open, copy) and
// last deployment; refreshed while a deployment is under way.
import { api, q, enc } from '../api.js';
import { h, badge, ago, copy } from '../dom.js';

const BUSY = ['queued', 'building', 'pushed', 'released', 'syncing'];

export function liveUrl(p) {
  if (!p.live_url) return h('span', { class: 'meta' }, 'no URL yet');
  const copyBtn = h('button', { type: 'button', class: 'small', 'aria-label': `Copy the URL of ${p.name}` }, 'Copy');
  copyBtn.addEventListener('click', () => copy(p.live_url, copyBtn));
  return h('span', { class: 'live-url' },
    h('a', { href: p.live_url, target: '_blank', rel: 'noopener noreferrer', class: 'url' }, p.live_url),
    ' ', h('a', { href: p.live_url, target: '_blank', rel: 'noopener noreferrer', class: 'button small', 'aria-label': `Open ${p.name} in a new tab` }, 'Open'),
    ' ', copyBtn);
}

export async function projectsView([ws], { view, setWorkspace }) {
  const w = await api('GET', `/api/workspaces/${enc(ws)}`);
  setWorkspace(ws);
  const list = h('ul', { class: 'cards projects', 'aria-label': 'Projects' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  let cursor = null, items = [], timer = null;
  const canCreate = w.role === 'admin' || w.role === 'owner';

  function card(p) {
    const d = p.latest_deployment;
    return h('li', { class: 'card project', dataset: { project: p.name } },
      h('div', { class: 'row' },
        h('a', { href: `/projects/${p.id}`, 'data-link': true, class: 'title project-name' }, p.name),
        badge(d && d.state)),
      h('p', {}, liveUrl(p)),
      h('p', { class: 'meta' },
        d ? [h('a', { href: `/deployments/${d.id}`, 'data-link': true }, `Deployment #${d.seq}`), ` ${d.state}`,
          d.created_at ? ` · ${ago(d.created_at)}` : ''] : 'Not deployed yet',
        ` · ${p.repo_url.replace(/^https?:\/\//, '')} @ ${p.branch}`));
  }
  async function load(reset) {
    if (reset) { cursor = null; items = []; }
    const r = await api('GET', q(`/api/workspaces/${enc(ws)}/projects`, { limit: 50, cursor }));
    items = items.concat(r.items);
    cursor = r.next_cursor;
    list.replaceChildren(...items.map(card));
    more.hidden = !cursor;
    if (!items.length) list.append(h('li', { class: 'card empty' }, 'No projects yet.',
      canCreate ? [' ', h('a', { href: `/w/${ws}/new`, 'data-link': true }, 'Deploy your first repository')] : ''));
    clearTimeout(timer);
    if (items.some((p) => p.latest_deployment && BUSY.includes(p.latest_deployment.state) &&
      !(p.current_deployment && p.current_deployment.id === p.latest_deployment.id))) {
      timer = setTimeout(() => load(true).catch(() => {}), 3000);
    }
  }
  more.addEventListener('click', () => load(false));
  view.replaceChildren(
    h('div', { class: 'row heading' }, h('h1', {}, `Projects of ${w.name}`),
      canCreate ? h('a', { href: `/w/${ws}/new`, 'data-link': true, class: 'button primary' }, 'New project') : null),
    list, more);
  await load(true);
  return () => clearTimeout(timer);
}
