// browser.mjs: open the build page in headless Chromium (playwright-core, Debian's /usr/bin/chromium)
// with a session cookie and watch the log of a running build appear.
//
//   node browser.mjs PAGE_URL SESSION_TOKEN USER_DATA_DIR [TIMEOUT_MS]
//
// Prints one JSON line: {lines_while_building, state_seen, text, complete, console, error}.
import { chromium } from 'playwright-core';

const [pageUrl, session, userDataDir, timeoutArg] = process.argv.slice(2);
const timeout = parseInt(timeoutArg || '30000', 10);
const out = { lines_while_building: 0, state_seen: [], text: '', complete: false, console: [] };
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const u = new URL(pageUrl);
  await context.addCookies([{ name: '__Host-platform_session', value: session, url: u.origin + '/', httpOnly: true, secure: true }]);
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => out.console.push(m.text()));
  page.on('pageerror', (e) => out.console.push('pageerror: ' + e.message));
  await page.goto(pageUrl);
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const s = await page.evaluate(() => ({
      state: document.getElementById('state').textContent,
      text: document.getElementById('log').textContent,
      complete: document.getElementById('complete').textContent === 'complete',
    }));
    if (!out.state_seen.includes(s.state)) out.state_seen.push(s.state);
    const lines = (s.text.match(/^\[\d+\/\d+\]/gm) || []).length;
    if (s.state === 'building' && lines > out.lines_while_building) out.lines_while_building = lines;
    out.text = s.text;
    out.complete = s.complete;
    if (s.complete && ['released', 'live', 'failed'].includes(s.state)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
} catch (e) {
  out.error = String(e.message || e);
} finally {
  if (context) await context.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
