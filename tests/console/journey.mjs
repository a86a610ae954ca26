// journey.mjs: the web console in headless Chromium (playwright-core, Debian's /usr/bin/chromium)
// on a real local stack: sign in with a one-time link, create a project from the sample
// repository, deploy it and watch the log arrive, reload in the middle of the build (the log
// resumes with no gap and no double), reach the final state, change an env value and deploy
// again, roll back; the project's runtime logs (the stored lines, both streams told apart, then a
// line published live on nchan, shown as text); auto-rollback turned off in the settings, a
// release that fails to go live, and the drift said on the project page; an API error shown
// next to its field; another tenant's project never listed; previews turned on in the settings,
// a pull request's preview (written as the webhook path writes one) listed, marked in the
// deployments and on its deployment page, refreshed by the status socket, removed; the
// workspace's notifications: errors next to their field, one added with its secret shown once,
// "Send test" delivered to a loopback receiver and signed with that secret, the delivery log, a
// viewer who reads without the form (and sees a project without controls), delete; axe-core on every screen; screenshots of every
// screen at 1280 and 390 px.
//
//   node journey.mjs   (settings in the environment, see env() below; prints TAP lines
//                       numbered from TAP_START and writes {count, failed} to SUMMARY)
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}
const BASE = env('PLATFORM_URL');
const LINK = env('SIGNIN_LINK');              // from `platformctl signin-link alice`
const REPO = env('SAMPLE_REPO');              // file:// URL of the sample repository
const OTHER = env('OTHER_PROJECT');           // name of bob's project (another tenant)
const OTHER_ID = env('OTHER_PROJECT_ID');
const FINAL = env('FINAL_STATE');             // live with the podman runtime, else released
const SAMPLE_DIR = env('SAMPLE_DIR');         // the sample repository's work tree
const PUB = env('PLATFORM_NCHAN_PUBLISH_URL'); // the stack's nchan publisher (worker/publish.c)
const DB = env('PLATFORM_DATABASE_URL');
// the sample app's first lines (tests/t1700-console.sh's Dockerfile): one on each stream
const APP_OUT = 'site says hello on stdout', APP_ERR = 'site warns on stderr';
const RUNTIME = FINAL === 'live';             // a podman runtime runs the app
const RECV = env('RECEIVER');                 // tests/notify/receiver.js on loopback
const VIEWER_LINK = env('VIEWER_LINK');       // a sign-in link for bob, made a viewer here
const ART = env('ARTIFACTS');
const SUMMARY = env('SUMMARY');
let n = parseInt(process.env.TAP_START || '0', 10), count = 0, failed = 0;

function ok(cond, name, diag) {
  n++; count++;
  if (!cond) failed++;
  process.stdout.write(`${cond ? 'ok' : 'not ok'} ${n} - ${name}\n`);
  if (!cond && diag !== undefined) {
    for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').slice(0, 30)) process.stdout.write(`# ${l}\n`);
  }
  return cond;
}
const is = (got, want, name) => ok(got === want, name, `got: ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = 60000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last && last.message ? last.message : JSON.stringify(last)})`);
}

const shots = [];
const axeProblems = {};
// axe on the screen as it is, then a screenshot at desktop and phone width
const t0 = Date.now();
async function screen(page, name) {
  process.stdout.write(`# ${((Date.now() - t0) / 1000).toFixed(1)} s: ${name}\n`);
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeProblems[name] = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`);
  for (const w of [1280, 390]) {
    await page.setViewportSize({ width: w, height: w === 390 ? 844 : 900 });
    await sleep(100);
    const f = path.join(ART, `${name}-${w}.png`);
    await page.screenshot({ path: f, fullPage: true });
    shots.push(f);
    if (w === 390) {
      // nothing wider than the phone: no sideways scrolling of the page
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > 392) axeProblems[name].push(`page is ${wide} px wide at 390 px`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// the stored log through the API, from byte 0 (what the page must show, exactly)
async function storedLog(page, id) {
  return page.evaluate(async (id) => {
    let off = 0, text = '';
    for (;;) {
      const j = await (await fetch(`/api/deployments/${id}/logs?offset=${off}`)).json();
      text += j.text;
      if (j.next_offset === off) return { text, complete: j.complete };
      off = j.next_offset;
    }
  }, id);
}
const psql = (sql) => execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', DB, '-c', sql], { encoding: 'utf8' }).trim();
const git = (...args) => execFileSync('git', ['-C', SAMPLE_DIR, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], { encoding: 'utf8' });
// the runtime log panel's lines as shown: stream, label, text
const rtShown = (page) => page.locator('#runtime-log .rt-line').evaluateAll((els) => els.map((e) => ({
  stream: e.dataset.stream, cls: e.className, label: e.querySelector('.rt-meta').textContent.trim().split(' ').pop(),
  text: e.querySelector('.rt-text').textContent })));
const logText = (page) => page.locator('#log').evaluate((el) => el.textContent);
const stateOf = (page) => page.locator('#state').getAttribute('data-state');
const strip = (s) => s.replace(/\u001b\[[0-9;?]*[\x40-\x7e]/g, '');

async function waitFinal(page, id, want) {
  await until(`deployment ${id} to reach ${want}`, async () => {
    const s = await stateOf(page);
    if (s === 'failed') throw new Error(`failed: ${await page.locator('#deploy-error').textContent()}`);
    return s === want && (await page.locator('#complete').textContent()) === 'complete';
  }, 90000);
}

async function main() {
  fs.mkdirSync(ART, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  const cspReports = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspReports.push(m.text()); });

  try {
    // 1. not signed in: the sign-in page
    await page.goto(`${BASE}/`);
    await page.waitForURL(/\/signin$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    ok(true, 'signed out, / leads to the sign-in page');
    await screen(page, 'signin');

    // 2. the one-time link signs in and lands on the personal workspace's projects
    await page.goto(LINK);
    await page.waitForURL(/\/w\/[a-z0-9-]+$/);
    await page.getByRole('heading', { name: /^Projects of / }).waitFor();
    ok(!page.url().includes('code='), 'the sign-in link opens the projects page, the code out of the address bar');
    const ws = /\/w\/([a-z0-9-]+)$/.exec(page.url())[1];
    const again = await page.evaluate(async (code) => (await fetch('/api/auth/local', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code }) })).status,
    new URL(LINK).hash.replace('#code=', ''));
    is(again, 400, 'the same link does not sign in twice');
    const cookies = await context.cookies();
    ok(cookies.some((c) => /session/.test(c.name) && c.httpOnly), 'the session is an HttpOnly cookie');
    is(await page.evaluate(() => document.cookie), '', 'no cookie is readable from the page');

    // 3. an API error shown next to its field: a name the API refuses
    await page.getByRole('link', { name: 'New project' }).click();
    await page.getByRole('heading', { name: /^New project/ }).waitFor();
    await until('the repository picker to answer', async () => (await page.locator('#repo-picker-note').textContent()) !== '' ||
      !(await page.locator('#repo-picker').isDisabled()));
    await page.getByLabel('Repository URL').fill(REPO);
    await page.getByLabel('Name', { exact: true }).fill('Bad_Name');
    const rule = await page.locator('#name-rule').textContent();
    ok(/lower-case/.test(rule) && /letters, digits/.test(rule), 'the name rule is explained as it is typed', rule);
    await page.getByRole('button', { name: 'Create project' }).click();
    const nameErr = page.locator('.field[data-field="name"] .field-error');
    await nameErr.waitFor({ state: 'visible' });
    const errText = await nameErr.textContent();
    ok(errText.length > 5, 'the API error appears next to the name field', errText);
    is(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true', 'the field is marked invalid');
    is(await page.evaluate(() => document.activeElement && document.activeElement.name), 'name', 'the focus moves to the field at fault');
    await screen(page, 'new-project-error');

    // 4. create the project from the sample repository, with an env value
    await page.getByLabel('Name', { exact: true }).fill('site');
    ok(/Good/.test(await page.locator('#name-rule').textContent()), 'a good name is said to be good');
    await page.getByLabel('Port').fill('8080');
    await page.getByRole('button', { name: 'Add variable' }).click();
    await page.getByLabel('Variable name').last().fill('GREETING');
    await page.getByLabel('Value of GREETING').fill('hello-one');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/);
    const projectId = /\/projects\/([0-9a-f-]{36})$/.exec(page.url())[1];
    await page.getByRole('heading', { name: 'site', exact: true }).waitFor();
    ok(true, 'the project is created and its page opens');
    const envShown = await page.locator('.env-value').evaluateAll((els) => els.map((e) => e.value));
    ok(envShown.length === 1 && envShown[0] === '', 'the stored env value is not shown', envShown);
    ok(!(await page.content()).includes('hello-one'), 'the env value appears nowhere in the page');
    await until('the runtime logs panel to answer', async () => (await page.locator('#runtime-log').getAttribute('data-loaded')) === 'true');
    ok(await page.locator('#runtime-log .rt-line').count() === 0, 'a project never deployed has no runtime lines');
    ok(!(await page.locator('#drift').isVisible()), 'nor a drift');

    // 5. deploy: the deployment page shows log lines while it builds
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.waitForURL(/\/deployments\/[0-9a-f-]{36}$/);
    const d1 = /\/deployments\/([0-9a-f-]{36})$/.exec(page.url())[1];
    const seen = await until('log lines while building', async () => {
      const t = await logText(page);
      const s = await stateOf(page);
      const lines = (t.match(/^slow step \d+/gm) || []).length;
      return s === 'building' && lines >= 3 ? { lines, s } : null;
    }, 60000);
    ok(seen.lines >= 3, `log lines arrive while the build runs (${seen.lines} so far)`);
    ok(await page.locator('#log .ansi-fg2').count() > 0, 'ANSI colours are rendered as classes');

    // 6. reload in the middle of the build: the log resumes, no gap, no double
    await page.reload();
    await page.locator('#log').waitFor();
    const afterReload = await until('more lines after the reload', async () => {
      const t = await logText(page);
      return (t.match(/^slow step \d+/gm) || []).length > seen.lines ? t : null;
    }, 60000);
    ok(afterReload.length > 0, 'lines keep arriving after a reload mid-build');
    // auto-scroll: at the end while following; scrolled up, it stays put as lines arrive
    const pos = () => page.locator('#log').evaluate((el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight, len: el.textContent.length }));
    await until('the log to outgrow its box', async () => (await pos()).max > 60, 60000);
    const p0 = await pos();
    ok(p0.max - p0.top <= 8, 'the log follows its end while it grows', p0);
    await page.locator('#log').evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await page.getByRole('button', { name: 'Jump to the end' }).waitFor();
    await until('more text after scrolling up', async () => (await pos()).len > p0.len, 60000);
    const p1 = await pos();
    ok(p1.top === 0, 'scrolled up, new lines do not pull the log down', p1);
    await page.getByRole('button', { name: 'Jump to the end' }).click();
    const p2 = await pos();
    ok(p2.max - p2.top <= 8, '"Jump to the end" follows the log again', p2);
    await waitFinal(page, d1, FINAL);
    ok(true, `the deployment reaches ${FINAL}`);
    const stored1 = await storedLog(page, d1);
    const shown1 = await logText(page);
    ok(stored1.complete, 'the stored log is complete');
    ok(shown1 === strip(stored1.text), 'the page shows the whole stored log, once, in order',
      `shown ${shown1.length} chars, stored ${strip(stored1.text).length}`);
    const steps = (shown1.match(/^slow step (\d+)/gm) || []).map((l) => Number(l.split(' ')[2]));
    ok(steps.length === 30 && steps.every((v, i) => v === i + 1), 'every step line once, in order', steps.join(','));
    const times = await page.locator('.timeline li.done time').count();
    ok(times >= 3, `the timeline has a time for each stage reached (${times})`);
    is(await page.locator('#github-deployment').textContent(), 'not on GitHub (yet)', 'a local user\'s deployment is not on GitHub');
    await screen(page, 'deployment-done');

    // 7. the project list: name and live URL as text, state, last deployment
    await page.getByRole('link', { name: 'Projects', exact: true }).click();
    await page.getByRole('heading', { name: /^Projects of / }).waitFor();
    const card = page.locator('li.project[data-project="site"]');
    await card.waitFor();
    const cardText = await card.textContent();
    ok(cardText.includes('site'), 'the list shows the project name as text');
    const api1 = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}`)).json(), projectId);
    ok(api1.live_url && cardText.includes(api1.live_url), 'the list shows the live URL as text', { cardText, live_url: api1.live_url });
    ok(await card.getByRole('link', { name: /Open site/ }).count() === 1 && await card.getByRole('button', { name: /Copy the URL/ }).count() === 1,
      'the live URL can be opened and copied');
    ok(cardText.includes(FINAL), 'the list shows the last deployment state', cardText);
    const listed = await page.locator('li.project').evaluateAll((els) => els.map((e) => e.dataset.project));
    ok(!listed.includes(OTHER), "another tenant's project is never listed", listed);
    await screen(page, 'projects');
    await page.goto(`${BASE}/projects/${OTHER_ID}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    ok(!(await page.content()).includes(OTHER), "another tenant's project page says only: not found");

    // 8. change the env value and deploy again
    await page.goto(`${BASE}/projects/${projectId}`);
    await page.getByRole('heading', { name: 'site', exact: true }).waitFor();
    await page.getByLabel('Value of GREETING').fill('hello-two');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved').waitFor();
    ok(true, 'the new env value is saved');
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.waitForURL((u) => /\/deployments\//.test(u.pathname) && !u.pathname.endsWith(d1));
    const d2 = /\/deployments\/([0-9a-f-]{36})$/.exec(page.url())[1];
    await waitFinal(page, d2, FINAL);
    ok(true, `the second deployment reaches ${FINAL}`);

    // 9. versions: roll back to the first
    await page.goto(`${BASE}/projects/${projectId}`);
    const v1 = page.locator('li.version[data-seq="1"]');
    await v1.waitFor();
    await until('#2 to be serving', async () => (await page.locator('li.version[data-seq="2"] .badge.current').count()) === 1 ||
      (await page.reload(), false), 30000);
    await screen(page, 'project-versions');
    await v1.getByRole('button', { name: /Roll back to #1/ }).click();
    await page.waitForURL((u) => /\/deployments\//.test(u.pathname) && !u.pathname.endsWith(d2));
    const d3 = /\/deployments\/([0-9a-f-]{36})$/.exec(page.url())[1];
    await waitFinal(page, d3, FINAL);
    const dep3 = await page.evaluate(async (id) => (await fetch(`/api/deployments/${id}`)).json(), d3);
    const dep1 = await page.evaluate(async (id) => (await fetch(`/api/deployments/${id}`)).json(), d1);
    is(dep3.trigger, 'rollback', 'the rollback is a deployment of its own');
    is(dep3.tag, dep1.tag, 'it serves the first version again');
    const api3 = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}`)).json(), projectId);
    is(api3.current_deployment && api3.current_deployment.id, d3, 'the project serves the rollback now');

    // 10. runtime logs: what the containers printed (the podman runtime stores it; a stack
    // without a runtime gets the same lines into runtime_logs, as worker/rtlogs.c writes them)
    if (!RUNTIME) {
      psql(`INSERT INTO runtime_logs (project_id, deployment_id, container, stream, at, stamp, line) VALUES
        ('${projectId}', '${d3}', 'site-3-0', 'stdout', now(), now()::text, '${APP_OUT}'),
        ('${projectId}', '${d3}', 'site-3-0', 'stderr', now(), now()::text, '${APP_ERR}')`);
    }
    await page.goto(`${BASE}/projects/${projectId}`);
    await page.getByRole('heading', { name: 'site', exact: true }).waitFor();
    // the panel against the stored lines, until both have the app's lines (the worker reads the
    // containers every few seconds): the same texts, once each, in the same order
    const texts = (l) => JSON.stringify(l.map((x) => x.text));
    let first = [], stored = { lines: [] };
    for (const end = Date.now() + 30000; Date.now() < end; await sleep(300)) {
      first = await rtShown(page);
      stored = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}/runtime/logs?tail=200`)).json(), projectId);
      if (texts(first) === texts(stored.lines) && [APP_OUT, APP_ERR].every((t) => first.some((x) => x.text === t))) break;
    }
    ok(first.length > 0 && texts(first) === texts(stored.lines), `the panel shows the stored lines (${stored.lines.length}), once each, in order`,
      { shown: first.map((x) => x.text), stored: stored.lines.map((x) => x.text) });
    const outL = first.find((x) => x.text === APP_OUT) || {}, errL = first.find((x) => x.text === APP_ERR) || {};
    ok(outL.stream === 'stdout' && errL.stream === 'stderr' && outL.cls !== errL.cls,
      'stdout and stderr lines are told apart (class)', { outL, errL });
    ok(outL.label === 'out' && errL.label === 'err', 'and by a visible label, not by colour alone', { outL, errL });
    // live: a line published on the project's runtime channel, as the worker publishes one
    await until('the runtime socket to open', async () => (await page.locator('#runtime-log').getAttribute('data-live')) === 'on', 20000);
    const liveText = `<img src=x id=rt-xss onerror="document.title='xss'"> <b>live</b> line ${Date.now()}`;
    const pub = await fetch(`${PUB}/pub/runtime-${projectId}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'runtime_log', project_id: projectId, lines: [{ at: new Date().toISOString(), deployment_id: d3,
        container: 'site-live-0', stream: 'stderr', text: liveText }] }) });
    ok(pub.status === 201 || pub.status === 202, `the line is published on nchan (${pub.status})`);
    const lastLive = await until('the live line in the panel', async () => {
      const l = await rtShown(page);
      return l.length && l[l.length - 1].text === liveText ? l : null;
    }, 15000);
    is(lastLive.length, first.length + 1, 'the live line is added after the stored ones');
    is(lastLive[lastLive.length - 1].stream, 'stderr', 'as a stderr line');
    is(await page.locator('#runtime-log img, #runtime-log b, #rt-xss').count(), 0, 'its text is never markup');
    await screen(page, 'project-runtime-logs');

    // 11. drift: auto-rollback off in the settings, then a release that fails to go live
    const roll = page.getByLabel('Roll back automatically when a release fails to go live');
    ok(await roll.isChecked(), 'auto-rollback is on by default in the settings');
    await roll.uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved').waitFor();
    const api4 = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}`)).json(), projectId);
    is(api4.auto_rollback, false, 'unchecking it turns auto_rollback off');
    await page.reload();
    await page.getByRole('heading', { name: 'site', exact: true }).waitFor();
    ok(!(await roll.isChecked()), 'and the settings say so after a reload');
    ok(!(await page.locator('#drift').isVisible()), 'no drift while git names the version that runs');
    let d4;
    if (RUNTIME) {
      // a version that never listens: it is released to git, never gets ready and fails
      const from = fs.readFileSync(path.join(SAMPLE_DIR, 'Dockerfile'), 'utf8').split('\n')[0];
      fs.writeFileSync(path.join(SAMPLE_DIR, 'Dockerfile'), `${from}\nCMD ["sh", "-c", "echo this version never listens; sleep 600"]\n`);
      git('commit', '-qam', 'never listens');
      await page.getByRole('button', { name: 'Deploy', exact: true }).click();
      await page.waitForURL((u) => /\/deployments\//.test(u.pathname) && !u.pathname.endsWith(d3));
      d4 = /\/deployments\/([0-9a-f-]{36})$/.exec(page.url())[1];
      await until(`deployment ${d4} to fail`, async () => (await stateOf(page)) === 'failed', 150000);
      const dep4 = await page.evaluate(async (id) => (await fetch(`/api/deployments/${id}`)).json(), d4);
      ok(Boolean(dep4.released_at), 'the failed version had reached git', dep4);
    } else {
      // no runtime stage here: a released deployment never fails, so the state a failed release
      // leaves (released to git, then failed) is written as the engine would leave it
      d4 = psql(`INSERT INTO deployments (project_id, seq, state, trigger, branch, image, tag, settings, env_sealed,
          error, building_at, pushed_at, released_at, failed_at, finished_at)
        SELECT project_id, seq + 1, 'failed', 'manual', branch, image, tag || '-x', settings, env_sealed,
          'did not get ready (written by t1700)', now(), now(), now(), now(), now()
        FROM deployments WHERE project_id = '${projectId}' ORDER BY seq DESC LIMIT 1 RETURNING id`);
    }
    await page.goto(`${BASE}/projects/${projectId}`);
    await page.getByRole('heading', { name: 'site', exact: true }).waitFor();
    const api5 = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}`)).json(), projectId);
    ok(api5.drift && api5.drift.git_deployment_id === d4 && api5.drift.serving_deployment_id === d3,
      'the API says git names the failed release while the rollback serves', api5.drift);
    const drift = page.locator('#drift');
    await drift.waitFor({ state: 'visible' });
    const driftText = await drift.textContent();
    ok(driftText.includes(api5.drift.message), 'the project page shows the drift message', driftText);
    ok((await page.locator('#drift-git').getAttribute('href')).endsWith(d4) &&
      (await page.locator('#drift-serving').getAttribute('href')).endsWith(d3),
    'with links to the failed release and to the version serving');
    const box = await drift.boundingBox();
    const depsTop = (await page.locator('#deps-title').boundingBox()).y;
    ok(box.y < depsTop && box.y < 400, 'prominently: at the top, above the deployments', { drift: box.y, deployments: depsTop });
    is(await drift.getAttribute('role'), 'alert', 'and as an alert for screen readers');
    await screen(page, 'project-drift');


    // 11b. previews: on in the settings; a pull request's preview as the webhook path writes it
    // (lib/model/preview.c: a row, then a deployment of its own); the status socket refreshes
    // the list; the deployments mark it; its page says whose; Remove takes it off the list
    await page.getByLabel('Deploy each pull request to the branch as a preview').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved').waitFor();
    const api6 = await page.evaluate(async (id) => (await fetch(`/api/projects/${id}`)).json(), projectId);
    ok(api6.previews === true && api6.preview_forks === false, 'checking "previews" turns previews on, forks still off', api6);
    is(await page.locator('#fact-previews').textContent(), 'on', 'the project facts say previews are on');
    is(await page.locator('#previews tbody').textContent(), 'No open pull request has a preview.', 'no preview before a pull request');
    const title = '<b>Add</b> a greeting';
    const pv = psql(`INSERT INTO previews (project_id, user_id, number, name, title, head_sha, head_ref)
      SELECT id, user_id, 7, name || '-pr-7', '${title}', repeat('ab', 20), 'greeting' FROM projects WHERE id = '${projectId}' RETURNING id`);
    const pd = psql(`INSERT INTO deployments (project_id, seq, state, trigger, branch, commit_sha, image, tag, settings,
        env_sealed, error, building_at, failed_at, finished_at, preview_id, github_deployment_id)
      SELECT project_id, seq + 1, 'failed', 'webhook', 'refs/pull/7/head', repeat('ab', 20), image, tag || '-pr-7', settings,
        env_sealed, 'the build failed (written by t1700)', now(), now(), now(), '${pv}', 4242
      FROM deployments WHERE project_id = '${projectId}' ORDER BY seq DESC LIMIT 1 RETURNING id`);
    const prRow = page.locator('#previews tr.preview[data-number="7"]');
    await until('the preview listed after a status on the project socket', async () => {
      await fetch(`${PUB}/pub/project-${projectId}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'status', deployment_id: pd, project_id: projectId, state: 'failed', at: new Date().toISOString() }) });
      await sleep(700);
      return (await prRow.count()) === 1;
    }, 20000);
    ok(true, 'a status on the project socket brings the new preview into the list, no reload');
    const prText = await prRow.textContent();
    ok(prText.includes('#7') && prText.includes(title) && prText.includes('failed') && prText.includes('abababababab'),
      'the preview row: pull request number, title as text, commit, state', prText);
    is(await page.locator('#previews b').count(), 0, 'a title is never markup');
    ok((await prRow.getByRole('link', { name: /^#\d+$/ }).getAttribute('href')).endsWith(pd), 'it links to its latest deployment');
    const depRow = page.locator('#deps-title ~ div tr.preview');
    await until('the preview deployment in the deployments table', async () => (await depRow.count()) === 1, 10000);
    ok((await depRow.textContent()).includes('preview of PR #7'), 'the deployments table marks the preview deployment');
    await screen(page, 'project-previews');
    await prRow.getByRole('link', { name: /^#\d+$/ }).click();
    await page.waitForURL((u) => u.pathname.endsWith(pd));
    await page.locator('#preview-of').waitFor();
    ok((await page.locator('#preview-of').textContent()).includes('Preview of pull request #7'), 'the deployment page says it is the preview of pull request #7');
    is(await page.locator('#github-deployment').textContent(), 'deployment 4242 in environment pr-7', 'and names its GitHub deployment and environment');
    await page.goBack();
    await prRow.waitFor();
    await prRow.getByRole('button', { name: 'Remove the preview of pull request #7' }).click();
    await page.getByText('The preview of pull request #7 is being removed.').waitFor();
    await until('the preview to leave the list', async () => (await prRow.count()) === 0, 10000);
    ok(true, 'Remove takes the preview off the list');
    is(psql(`SELECT state || ':' || removed_reason FROM previews WHERE id = '${pv}'`), 'removed:deleted', 'and the preview is removed, by a person');

    // 12. the other screens: workspaces, members, audit
    await page.goto(`${BASE}/workspaces`);
    await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
    await screen(page, 'workspaces');
    await page.goto(`${BASE}/w/${ws}/members`);
    await page.getByRole('heading', { name: /^Members of/ }).waitFor();
    await page.getByLabel('GitHub login').fill('nobody-here');
    await page.getByRole('button', { name: 'Add member' }).click();
    const loginErr = page.locator('.field[data-field="login"] .field-error');
    await loginErr.waitFor({ state: 'visible' });
    ok((await loginErr.textContent()).length > 5, 'adding an unknown login: the error is next to the login field', await loginErr.textContent());
    await screen(page, 'members');
    await page.goto(`${BASE}/w/${ws}/audit`);
    await page.getByRole('heading', { name: /^Audit of/ }).waitFor();
    await page.locator('tbody tr').first().waitFor();
    ok(/project\.create/.test(await page.locator('tbody').textContent()), 'the audit lists the project creation');
    await screen(page, 'audit');
    // keyboard: on a freshly loaded page the skip link is the first stop
    await page.keyboard.press('Tab');
    is(await page.evaluate(() => document.activeElement.textContent), 'Skip to content', 'the first Tab stop is the skip link');


    // 13. notifications: errors next to their field; one added, its secret shown once; Send
    // test reaches the loopback receiver signed with that secret; the delivery log says so
    await page.getByRole('link', { name: 'Notifications', exact: true }).click();
    await page.getByRole('heading', { name: /^Notifications of / }).waitFor();
    const nrows = () => Number(psql('SELECT count(*) FROM notifications'));
    const n0 = nrows();
    await page.getByLabel('URL', { exact: true }).fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Add notification' }).click();
    const urlErr = page.locator('.field[data-field="url"] .field-error');
    await urlErr.waitFor({ state: 'visible' });
    ok((await urlErr.textContent()).length > 5, 'a URL that is not http(s): the error is next to the URL field', await urlErr.textContent());
    const hookUrl = `${RECV}/ok/console`;
    await page.getByLabel('URL', { exact: true }).fill(hookUrl);
    for (const b of await page.locator('fieldset.events input').all()) await b.uncheck();
    await page.getByRole('button', { name: 'Add notification' }).click();
    const evErr = page.locator('.field[data-field="events"] .field-error');
    await evErr.waitFor({ state: 'visible' });
    ok((await evErr.textContent()).length > 5, 'no event chosen: the error is next to the events', await evErr.textContent());
    is(nrows(), n0, 'refused input writes nothing');
    await page.getByRole('checkbox', { name: /deployment\.live/ }).check();
    await page.getByRole('checkbox', { name: /preview\.ready/ }).check();
    await page.getByRole('button', { name: 'Add notification' }).click();
    await page.locator('#secret-once').waitFor({ state: 'visible' });
    const secret = await page.locator('#secret-value').textContent();
    ok(secret.length >= 16, 'the secret the platform made is shown once, right after', secret.length);
    const ncard = page.locator('li.notification').first();
    await ncard.waitFor();
    ok((await ncard.textContent()).includes(hookUrl) && (await ncard.textContent()).includes('deployment.live, preview.ready'),
      'the list shows the URL and its events', await ncard.textContent());
    await ncard.getByRole('button', { name: /^Send a test/ }).click();
    const row = ncard.locator('tbody tr[data-state="delivered"]');
    await until('the test to be delivered', async () => (await row.count()) === 1, 30000);
    ok((await row.textContent()).includes('notification.test') && (await row.textContent()).includes('200'),
      'the delivery log shows the test delivered, with its answer', await row.textContent());
    const got = (await (await fetch(`${RECV}/_recv/requests`)).json()).filter((r) => r.path === '/ok/console');
    is(got.length, 1, 'the receiver got the test once');
    if (got.length) {
      const raw = Buffer.from(got[0].body_base64, 'base64');
      const want = `sha256=${crypto.createHmac('sha256', secret).update(raw).digest('hex')}`;
      is(got[0].headers['x-platform-signature-256'], want, 'signed with the secret the page showed');
      is(JSON.parse(raw.toString()).event, 'notification.test', 'as a notification.test event');
    }
    await screen(page, 'notifications');
    await page.reload();
    await page.getByRole('heading', { name: /^Notifications of / }).waitFor();
    await page.locator('li.notification').first().waitFor();
    ok(!(await page.content()).includes(secret), 'after a reload the secret appears nowhere');

    // a viewer reads the notifications (URLs without their path), without the form
    await page.goto(`${BASE}/w/${ws}/members`);
    await page.getByLabel('GitHub login').fill('bob');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('Member added').waitFor();
    const vctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const vpage = await vctx.newPage();
    await vpage.goto(VIEWER_LINK);
    await vpage.waitForURL(/\/w\/[a-z0-9-]+$/);
    await vpage.goto(`${BASE}/w/${ws}/notifications`);
    await vpage.getByRole('heading', { name: /^Notifications of / }).waitFor();
    await vpage.locator('li.notification').first().waitFor();
    const vtext = await vpage.locator('li.notification').first().textContent();
    ok(vtext.includes(`${new URL(RECV).origin}/...`) && !vtext.includes('/ok/console'), 'a viewer sees the URL without its path', vtext);
    ok(await vpage.getByRole('button', { name: /Send a test|Delete/ }).count() === 0 && await vpage.locator('form').count() === 0,
      'and no form nor actions');
    ok((await vpage.locator('#notify-role').textContent()).includes('viewer'), 'but a hint on who manages them');
    await screen(vpage, 'notifications-viewer');
    // ... and alice's project with no control a viewer cannot use (an open preview listed too)
    const pv9 = psql(`INSERT INTO previews (project_id, user_id, number, name, title, head_sha, head_ref)
      SELECT id, user_id, 9, name || '-pr-9', 'Viewer check', repeat('cd', 20), 'viewer' FROM projects WHERE id = '${projectId}' RETURNING id`);
    await vpage.goto(`${BASE}/projects/${projectId}`);
    await vpage.getByRole('heading', { name: 'site', exact: true }).waitFor();
    await vpage.locator('#previews tr.preview[data-number="9"]').waitFor();
    is(await vpage.locator('#deploy').count(), 0, 'a viewer gets no Deploy button');
    ok((await vpage.locator('#role-hint').textContent()).includes('viewer'), 'but a hint on who deploys');
    is(await vpage.getByRole('button', { name: /^Roll back/ }).count(), 0, 'nor Roll back');
    is(await vpage.getByRole('button', { name: /^Remove the preview/ }).count(), 0, 'nor Remove on a preview');
    ok(await vpage.getByLabel('Branch', { exact: true }).isDisabled() && await vpage.getByRole('button', { name: 'Save settings' }).isDisabled(),
      'the settings are shown, not editable');
    await screen(vpage, 'project-viewer');
    psql(`UPDATE previews SET state = 'removed', removed_reason = 'deleted', removed_at = now() WHERE id = '${pv9}'`);
    await vctx.close();

    // delete: gone from the list and the database
    await page.goto(`${BASE}/w/${ws}/notifications`);
    await page.locator('li.notification').first().waitFor();
    await page.getByRole('button', { name: /^Delete the notification/ }).click();
    await page.getByText(/^Deleted the notification/).waitFor();
    is(await page.locator('li.notification').count(), 0, 'Delete takes it off the list');
    is(nrows(), n0, 'and out of the database');

    // a new workspace: created, switched to, empty
    await page.goto(`${BASE}/workspaces`);
    await page.getByLabel('Name').fill('Team space');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('heading', { name: 'Projects of Team space' }).waitFor();
    ok(await page.locator('#ws-switch option:checked').textContent() === 'Team space (owner)', 'a new workspace is created and switched to');
    is(await page.locator('li.project').count(), 0, 'it has no projects');


    for (const [name, problems] of Object.entries(axeProblems)) {
      ok(problems.length === 0, `axe: no serious or critical violation on ${name}`, problems.join('\n'));
    }
    ok(shots.length === Object.keys(axeProblems).length * 2 && shots.every((f) => fs.statSync(f).size > 1000),
      `screenshots at 1280 and 390 px of ${Object.keys(axeProblems).length} screens in ${ART}`);
    is(cspReports.length, 0, 'the page breaks no Content-Security-Policy rule');
    const errs = consoleErrors.filter((e) => !/status of 4\d\d/.test(e) && !/WebSocket connection .* failed/.test(e));
    ok(errs.length === 0, 'no script errors in the console', errs.join('\n'));
  } catch (e) {
    ok(false, `the journey went on to the end: ${e.message}`, e.stack);
    try { await page.screenshot({ path: path.join(ART, 'failure.png'), fullPage: true }); } catch (x) { /* best effort */ }
  } finally {
    await browser.close();
    fs.writeFileSync(SUMMARY, JSON.stringify({ count, failed }));
  }
}

main();
