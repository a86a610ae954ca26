// project.js: /projects/{id}: live URL, Deploy, drift (git names a failed release while an older
// version serves), the deployments (kept current by the project's status socket; a preview's
// marked with its pull request), the open pull-request previews with Remove, versions with
// Rollback, settings with the env editor, auto-rollback and previews, webhook deliveries and
// runtime logs (the newest lines, then live; when the platform has them).
import { api, q, enc } from '../api.js';
import { h, field, busy, formError, showError, clearErrors, badge, time, ago, banner, announce } from '../dom.js';
import { navigate, loadWorkspaces } from '../app.js';
import { liveUrl } from './projects.js';
import { envEditor } from '../envedit.js';
import { RuntimeLogView } from '../rtlogview.js';

function section(id, title, ...body) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...body);
}

export async function projectView([id], { view, setWorkspace }) {
  let p = await api('GET', `/api/projects/${id}`);
  setWorkspace(p.workspace_id);
  // what the caller's role allows (fcgi/routes.c): developers deploy, roll back and remove
  // previews; admins change the settings. Viewers get no control they cannot use.
  const role = ((await loadWorkspaces()).find((w) => w.id === p.workspace_id) || {}).role || 'viewer';
  const canDeploy = role !== 'viewer', canManage = role === 'admin' || role === 'owner';
  const cleanups = [];
  const head = h('div');
  const deployErr = formError();
  const deployBtn = h('button', { type: 'button', class: 'primary', id: 'deploy' }, 'Deploy');
  deployBtn.addEventListener('click', () => busy(deployBtn, 'Queueing the deployment…', async () => {
    try {
      const d = await api('POST', `/api/projects/${id}/deploy`, {});
      navigate(`/deployments/${d.id}`);
    } catch (e) { deployErr.hidden = false; deployErr.textContent = e.message; deployErr.focus(); }
  }));

  // drift: kept as one element, changed only when the drift does (an alert is read once)
  const driftBox = h('div', { class: 'banner warn drift', id: 'drift', role: 'alert', hidden: true });
  let driftShown = null;
  function renderDrift() {
    const d = p.drift || null, key = JSON.stringify(d);
    if (key === driftShown) return;
    driftShown = key;
    driftBox.hidden = !d;
    if (!d) { driftBox.replaceChildren(); return; }
    driftBox.replaceChildren(h('p', {}, h('strong', {}, 'Git and what runs differ: '), d.message, ': ',
      h('a', { href: `/deployments/${d.git_deployment_id}`, 'data-link': true, id: 'drift-git' }, 'the failed release in git'),
      d.serving_deployment_id ? [', ', h('a', { href: `/deployments/${d.serving_deployment_id}`, 'data-link': true, id: 'drift-serving' },
        'the version serving')] : ', nothing serves',
      p.auto_rollback ? '.' : '. Automatic rollback is off (Settings).'));
  }

  function renderHead() {
    const cur = p.current_deployment, last = p.latest_deployment;
    renderDrift();
    head.replaceChildren(
      h('div', { class: 'row heading' }, h('h1', {}, p.name), badge(last && last.state)),
      driftBox,
      h('p', { class: 'live' }, h('strong', {}, 'Live URL: '), liveUrl(p)),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Repository'), h('dd', {}, p.repo_url, ' @ ', p.branch),
        h('dt', {}, 'Serving'), h('dd', {}, cur ? [h('a', { href: `/deployments/${cur.id}`, 'data-link': true }, `#${cur.seq}`), ` ${cur.tag || ''}`] : 'nothing yet'),
        h('dt', {}, 'Host'), h('dd', {}, p.host || ''),
        h('dt', {}, 'Auto-deploy'), h('dd', {}, p.auto_deploy ? (p.auto_deploy_paused ? 'on, paused by a rollback' : 'on') : 'off'),
        h('dt', {}, 'Auto-rollback'), h('dd', { id: 'fact-auto-rollback' }, p.auto_rollback ? 'on' : 'off'),
        h('dt', {}, 'Previews'), h('dd', { id: 'fact-previews' }, p.previews ? (p.preview_forks ? 'on, forks too' : 'on') : 'off')),
      canDeploy ? h('div', { class: 'row' }, deployBtn) : h('p', { class: 'hint', id: 'role-hint' },
        `Your role is ${role}: developers deploy and roll back; admins change the settings.`),
      deployErr);
  }
  renderHead();

  // deployments
  const depBody = h('tbody');
  async function loadDeployments() {
    const r = await api('GET', q(`/api/projects/${id}/deployments`, { limit: 20 }));
    depBody.replaceChildren(...r.items.map((d) => h('tr', { class: d.preview_number ? 'preview' : null, dataset: { seq: d.seq } },
      h('td', {}, h('a', { href: `/deployments/${d.id}`, 'data-link': true }, `#${d.seq}`)),
      h('td', {}, badge(d.state)),
      h('td', {}, d.trigger, d.preview_number ? [' ', h('span', { class: 'badge pr' }, `preview of PR #${d.preview_number}`)] : null),
      h('td', {}, h('code', {}, (d.commit || '').slice(0, 12))),
      h('td', {}, time(d.created_at)))));
    if (!r.items.length) depBody.append(h('tr', {}, h('td', { colspan: 5 }, 'No deployments yet: press Deploy.')));
  }
  const deployments = section('deps-title', 'Deployments', h('div', { class: 'scroll-x' }, h('table', {},
    h('thead', {}, h('tr', {}, ['#', 'State', 'Trigger', 'Commit', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
    depBody)));

  // previews: one per open pull request (the settings turn them on)
  const prevBody = h('tbody');
  const prevErr = formError();
  const prevNote = h('p', { class: 'hint', id: 'previews-note' });
  async function loadPreviews() {
    const r = await api('GET', `/api/projects/${id}/previews`);
    prevNote.textContent = p.previews
      ? 'Every pull request to the branch gets its own app and URL; closing it removes the preview.'
      : 'Previews are off: turn them on in the settings to deploy each pull request to the branch.';
    prevBody.replaceChildren(...r.items.map((v) => {
      const last = v.latest_deployment;
      const rm = h('button', { type: 'button', class: 'danger small', 'aria-label': `Remove the preview of pull request #${v.number}` }, 'Remove');
      rm.addEventListener('click', () => busy(rm, 'Removing…', async () => {
        try {
          await api('DELETE', `/api/projects/${id}/previews/${v.number}`);
          banner('ok', `The preview of pull request #${v.number} is being removed.`);
          await loadPreviews();
        } catch (e) { prevErr.hidden = false; prevErr.textContent = e.message; prevErr.focus(); }
      }));
      return h('tr', { class: 'preview', dataset: { number: v.number } },
        h('td', {}, h('strong', {}, `#${v.number}`), ' ', v.title || h('span', { class: 'meta' }, '(no title)'),
          v.fork ? h('span', { class: 'meta' }, ' · from a fork, built without the env') : null),
        h('td', {}, h('code', {}, v.head_sha.slice(0, 12))),
        h('td', {}, badge(last && last.state)),
        h('td', {}, v.live_url ? liveUrl({ name: `the preview of #${v.number}`, live_url: v.live_url }) : h('span', { class: 'meta' }, 'no URL yet')),
        h('td', {}, last ? h('a', { href: `/deployments/${last.id}`, 'data-link': true }, `#${last.seq}`) : ''),
        h('td', {}, canDeploy ? rm : null));
    }));
    if (!r.items.length) prevBody.append(h('tr', {}, h('td', { colspan: 6 }, 'No open pull request has a preview.')));
  }
  const previews = section('prev-title', 'Previews', prevNote, prevErr, h('div', { class: 'scroll-x' }, h('table', { id: 'previews' },
    h('thead', {}, h('tr', {}, ['Pull request', 'Commit', 'State', 'Live URL', 'Deployment'].map((c) => h('th', { scope: 'col' }, c)),
      h('th', { scope: 'col' }, h('span', { class: 'offscreen' }, 'Actions')))),
    prevBody)));

  // versions
  const verList = h('ul', { class: 'versions' });
  const verErr = formError();
  async function loadVersions() {
    const r = await api('GET', q(`/api/projects/${id}/versions`, { limit: 20 }));
    verList.replaceChildren(...r.items.map((v) => {
      const btn = v.current ? h('span', { class: 'badge current' }, 'serving now')
        : canDeploy ? h('button', { type: 'button', class: 'small', 'aria-label': `Roll back to #${v.seq} (${v.tag})` }, 'Roll back')
          : null;
      if (btn && !v.current) {
        btn.addEventListener('click', () => busy(btn, 'Rolling back…', async () => {
          try {
            const d = await api('POST', `/api/projects/${id}/rollback`, { deployment_id: v.deployment_id });
            navigate(`/deployments/${d.id}`);
          } catch (e) { verErr.hidden = false; verErr.textContent = e.message; verErr.focus(); }
        }));
      }
      return h('li', { class: 'row version', dataset: { seq: v.seq } },
        h('span', {}, h('a', { href: `/deployments/${v.deployment_id}`, 'data-link': true }, `#${v.seq}`), ' ',
          h('code', {}, v.tag), h('span', { class: 'meta' }, ` released ${ago(v.released_at)}`)), btn);
    }));
    if (!r.items.length) verList.append(h('li', { class: 'meta' }, 'No released version yet.'));
  }
  const versions = section('vers-title', 'Versions', h('p', { class: 'hint' },
    'Roll back deploys an earlier image again, without a build (auto-deploy pauses until you turn it on again).'), verErr, verList);

  // settings
  const settingsForm = h('form', { novalidate: true });
  function renderSettings() {
    const branch = h('input', { name: 'branch', value: p.branch, required: true, autocomplete: 'off' });
    const port = h('input', { name: 'port', type: 'number', min: 1, max: 65535, value: p.port });
    const domain = h('input', { name: 'custom_domain', value: p.custom_domain || '', autocomplete: 'off' });
    const auto = h('input', { name: 'auto_deploy', type: 'checkbox', checked: p.auto_deploy, id: 'set-auto' });
    const roll = h('input', { name: 'auto_rollback', type: 'checkbox', checked: p.auto_rollback !== false, id: 'set-rollback',
      'aria-describedby': 'set-rollback-hint' });
    const prev = h('input', { name: 'previews', type: 'checkbox', checked: Boolean(p.previews), id: 'set-previews',
      'aria-describedby': 'set-previews-hint' });
    const forks = h('input', { name: 'preview_forks', type: 'checkbox', checked: Boolean(p.preview_forks), id: 'set-forks',
      'aria-describedby': 'set-forks-hint' });
    const env = envEditor(p.env);
    settingsForm.replaceChildren(formError(),
      field('Branch', branch), field('Port', port),
      field('Custom domain', domain, p.custom_domain ? `DNS: a CNAME record for ${p.custom_domain} to the platform's ingress.` : 'Optional.'),
      env.el,
      h('div', { class: 'field check', dataset: { field: 'auto_deploy' } }, auto,
        h('label', { for: 'set-auto' }, 'Deploy on every push to the branch'), h('p', { class: 'field-error', hidden: true })),
      h('div', { class: 'field check', dataset: { field: 'auto_rollback' } }, roll,
        h('label', { for: 'set-rollback' }, 'Roll back automatically when a release fails to go live'),
        h('p', { class: 'hint', id: 'set-rollback-hint' },
          'Off: a failed release stays in git, the previous version keeps serving and this page says so.'),
        h('p', { class: 'field-error', hidden: true })),
      h('div', { class: 'field check', dataset: { field: 'previews' } }, prev,
        h('label', { for: 'set-previews' }, 'Deploy each pull request to the branch as a preview'),
        h('p', { class: 'hint', id: 'set-previews-hint' },
          'Its own app and URL, updated on every push to the pull request and removed when it closes.'),
        h('p', { class: 'field-error', hidden: true })),
      h('div', { class: 'field check', dataset: { field: 'preview_forks' } }, forks,
        h('label', { for: 'set-forks' }, 'Also preview pull requests from forks'),
        h('p', { class: 'hint', id: 'set-forks-hint' },
          "Built without the project's env: a fork's code never sees its values."),
        h('p', { class: 'field-error', hidden: true })),
      h('button', { type: 'submit', class: 'primary' }, 'Save settings'));
    if (!canManage) {
      // shown as they are, not editable: the API would refuse the change (403)
      for (const c of settingsForm.querySelectorAll('input, select, textarea, button')) c.disabled = true;
      settingsForm.prepend(h('p', { class: 'hint', id: 'settings-role' }, `Your role is ${role}: admins and owners change the settings.`));
    }
    settingsForm.onsubmit = (e) => {
      e.preventDefault();
      clearErrors(settingsForm);
      const body = { branch: branch.value.trim(), port: Number(port.value), custom_domain: domain.value.trim() || null,
        auto_deploy: auto.checked, auto_rollback: roll.checked, previews: prev.checked,
        preview_forks: forks.checked, env: env.values() };
      busy(settingsForm.querySelector('button[type=submit]'), 'Saving…', async () => {
        try {
          p = await api('PATCH', `/api/projects/${id}`, body);
          renderHead();
          renderSettings();
          loadPreviews().catch(() => {});
          banner('ok', 'Settings saved: they apply from the next deployment.');
        } catch (err) { showError(settingsForm, err); }
      });
    };
  }
  renderSettings();
  const settings = section('set-title', 'Settings', settingsForm);

  // webhook deliveries
  const hooks = h('div', { class: 'scroll-x' });
  async function loadDeliveries() {
    try {
      const r = await api('GET', q(`/api/projects/${id}/webhook/deliveries`, { limit: 20 }));
      if (!r.items.length) { hooks.replaceChildren(h('p', { class: 'meta' }, 'No GitHub deliveries for this repository yet.')); return; }
      hooks.replaceChildren(h('table', {}, h('thead', {}, h('tr', {}, ['Received', 'Event', 'Branch', 'Outcome', 'Reason'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, r.items.map((d) => h('tr', {}, h('td', {}, time(d.received_at)), h('td', {}, d.event),
          h('td', {}, d.branch || ''), h('td', {}, d.outcome), h('td', {}, d.reason || ''))))));
    } catch (e) { hooks.replaceChildren(h('p', { class: 'banner error' }, e.message)); }
  }
  const deliveries = section('hooks-title', 'Webhook deliveries', hooks);

  // runtime logs: the newest lines, then live; another part of the platform may not offer
  // them (404: not available)
  const runtime = h('pre', { class: 'log runtime', id: 'runtime-log', tabindex: '0', role: 'log', 'aria-live': 'off',
    'aria-label': 'Runtime logs' });
  const runtimeNote = h('p', { class: 'meta', role: 'status', id: 'runtime-note' });
  const rt = new RuntimeLogView(id, runtime, { tail: 200, onState: (t) => { runtimeNote.textContent = t; } });
  cleanups.push(() => rt.close());
  async function loadRuntime() {
    try {
      await rt.start();
    } catch (e) {
      rt.close();
      runtime.hidden = true;
      runtimeNote.textContent = e.status === 404 ? 'Runtime logs are not available on this platform.' : e.message;
    }
  }
  const runtimeSec = section('rt-title', 'Runtime logs', h('p', { class: 'hint' },
    'What the running containers print: the last 200 lines, then live (', h('span', { class: 'rt-stderr-key' }, 'err'), ' marks stderr).'),
  runtimeNote, runtime);

  view.replaceChildren(head, deployments, previews, versions, settings, deliveries, runtimeSec);
  await Promise.all([loadDeployments(), loadPreviews(), loadVersions(), loadDeliveries(), loadRuntime()]);

  // live: a status of any of the project's deployments refreshes the lists
  let ws = null, closed = false, again = null, pending = null;
  function refresh() {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        p = await api('GET', `/api/projects/${id}`);
        renderHead();
        await Promise.all([loadDeployments(), loadPreviews(), loadVersions()]);
      } catch (e) { /* the next status tries again */ }
    }, 300);
  }
  function connect() {
    if (closed) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(`${scheme}://${location.host}/api/projects/${id}/events/ws`, 'ws+meta.nchan');
    ws.onmessage = (ev) => {
      const sep = ev.data.indexOf('\n\n');
      try {
        const m = JSON.parse(sep < 0 ? ev.data : ev.data.slice(sep + 2));
        if (m.type === 'status') { announce(`deployment ${m.state}`); refresh(); }
      } catch (e) { /* not JSON: ignore */ }
    };
    ws.onclose = () => { if (!closed) again = setTimeout(connect, 3000); };
  }
  connect();
  cleanups.push(() => { closed = true; clearTimeout(again); clearTimeout(pending); if (ws) ws.close(); });
  return () => cleanups.forEach((f) => f());
}
