// deployment.js: /deployments/{id}: the live log (backlog, then the socket; ANSI colours;
// auto-scroll that stops when the user scrolls up), the state timeline with the time of each
// stage, the error a person can act on, Cancel while it runs; a preview's says whose pull request.
import { api } from '../api.js';
import { h, badge, time, busy, formError, announce } from '../dom.js';
import { LogView } from '../logview.js';

const STAGES = ['queued', 'building', 'pushed', 'released', 'syncing', 'live'];
const ENDS = ['failed', 'cancelled', 'superseded'];
const FINAL = ['live', 'failed', 'cancelled', 'superseded'];

function secs(a, b) {
  const s = (new Date(b) - new Date(a)) / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export async function deploymentView([id], { view }) {
  let d = await api('GET', `/api/deployments/${id}`);
  const p = await api('GET', `/api/projects/${d.project_id}`);
  const stateEl = h('span', { id: 'state' });
  const timeline = h('ol', { class: 'timeline', 'aria-label': 'Stages' });
  const errBox = h('div', { class: 'banner error', role: 'alert', hidden: true, id: 'deploy-error' });
  const facts = h('dl', { class: 'facts' });
  const cancelErr = formError();
  const cancel = h('button', { type: 'button', class: 'danger', hidden: true }, 'Cancel');
  cancel.addEventListener('click', () => busy(cancel, 'Cancelling…', async () => {
    try { d = await api('POST', `/api/deployments/${id}/cancel`, {}); show(); } catch (e) {
      cancelErr.hidden = false; cancelErr.textContent = e.message;
    }
  }));

  function show() {
    stateEl.replaceChildren(badge(d.state));
    stateEl.dataset.state = d.state;
    const rows = [];
    let prev = null;
    for (const s of [...STAGES, ...ENDS]) {
      const at = d[`${s}_at`];
      if (!at) { if (STAGES.includes(s) && !ENDS.includes(d.state)) rows.push(h('li', { class: 'todo' }, h('span', { class: 'stage' }, s), h('span', { class: 'meta' }, 'waiting'))); continue; }
      rows.push(h('li', { class: `done stage-${s}` }, h('span', { class: 'stage' }, s), ' ', time(at),
        prev ? h('span', { class: 'meta' }, ` (+${secs(prev, at)})`) : null));
      prev = at;
    }
    timeline.replaceChildren(...rows);
    facts.replaceChildren(
      h('dt', {}, 'For'), h('dd', {}, d.preview_number ? `the preview of pull request #${d.preview_number}` : 'production'),
      h('dt', {}, 'Trigger'), h('dd', {}, d.trigger, d.triggered_by ? ` by ${d.triggered_by}` : ''),
      h('dt', {}, 'Branch'), h('dd', {}, d.branch || ''),
      h('dt', {}, 'Commit'), h('dd', {}, h('code', {}, d.commit || 'the branch head')),
      h('dt', {}, 'Image'), h('dd', {}, d.image ? h('code', {}, `${d.image}:${d.tag}`) : '—'),
      h('dt', {}, 'GitOps commit'), h('dd', {}, d.gitops_commit ? h('code', {}, d.gitops_commit.slice(0, 12)) : '—'),
      // the worker mirrors every deployment to GitHub (environment production or pr-<n>)
      h('dt', {}, 'On GitHub'), h('dd', { id: 'github-deployment' }, d.github_deployment_id
        ? `deployment ${d.github_deployment_id} in environment ${d.preview_number ? `pr-${d.preview_number}` : 'production'}`
        : 'not on GitHub (yet)'));
    if (d.error) {
      errBox.replaceChildren(h('strong', {}, 'What went wrong: '), d.error,
        d.state === 'failed' ? h('span', {}, ' Fix it and deploy again from the project page; the log below has the details.') : '');
      errBox.hidden = false;
    } else errBox.hidden = true;
    cancel.hidden = [...FINAL, 'released'].includes(d.state) || Boolean(d.cancel_requested_at);
  }
  show();

  const pre = h('pre', { class: 'log', id: 'log', tabindex: '0', role: 'log', 'aria-live': 'off', 'aria-label': 'Build log' });
  const followNote = h('p', { class: 'meta follow', role: 'status' }, 'Following the log.');
  const jump = h('button', { type: 'button', class: 'small', hidden: true }, 'Jump to the end');
  const complete = h('span', { id: 'complete', class: 'meta' });
  const log = new LogView(id, pre, {
    onStatus: async (state) => {
      announce(`deployment ${state}`);
      try { d = await api('GET', `/api/deployments/${id}`); } catch (e) { d = { ...d, state }; }
      show();
      afterBuild();
    },
    onComplete: () => { complete.textContent = 'complete'; maybeStop(); },
  });
  log.onFollow = (on) => {
    followNote.textContent = on ? 'Following the log.' : 'Paused: you scrolled up.';
    jump.hidden = on;
  };
  jump.addEventListener('click', () => { log.jumpToEnd(); log.onFollow(true); });
  function maybeStop() {
    if (log.complete && FINAL.includes(d.state)) log.close();
  }
  // past the build the stored log is whole: read its end (and that it is complete)
  function afterBuild() {
    if (!log.complete && !['queued', 'building'].includes(d.state)) log.refresh().then(maybeStop);
    else maybeStop();
  }

  view.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: `/projects/${p.id}`, 'data-link': true }, p.name), ' › deployment'),
    h('div', { class: 'row heading' }, h('h1', {}, `Deployment #${d.seq} of ${p.name}`), stateEl),
    d.preview_number ? h('p', { class: 'preview-of', id: 'preview-of' }, h('span', { class: 'badge pr' }, 'preview'),
      ` Preview of pull request #${d.preview_number}: its own app and URL, beside production.`) : null,
    errBox,
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'tl-title' }, h('h2', { id: 'tl-title' }, 'Timeline'), timeline, cancel, cancelErr),
      h('section', { class: 'card', 'aria-labelledby': 'facts-title' }, h('h2', { id: 'facts-title' }, 'Details'), facts)),
    h('section', { class: 'card', 'aria-labelledby': 'log-title' },
      h('div', { class: 'row' }, h('h2', { id: 'log-title' }, 'Build log'), complete, followNote, jump), pre));
  log.start(d.state).catch((e) => { complete.textContent = e.message; });
  // the socket carries each state; a slow poll also catches one it missed (two quick moves
  // may show as the later one only). released may still go on to live when a runtime follows.
  const poll = setInterval(async () => {
    if (FINAL.includes(d.state) && log.complete) { clearInterval(poll); return; }
    try {
      const n = await api('GET', `/api/deployments/${id}`);
      if (n.state !== d.state || n.error !== d.error) { d = n; show(); }
      afterBuild();
    } catch (e) { /* the next round tries again */ }
  }, 3000);
  return () => { clearInterval(poll); log.close(); };
}
