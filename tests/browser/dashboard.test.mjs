// The dashboard in a real browser: each role signs in by pasting its operator token, visits every
// page it may see (and is refused the others, as the API refuses them), and each page is checked
// against the API, by axe (0 violations, WCAG 2.2 A/AA), for keyboard navigation, at 200% zoom
// and at a 375 px wide viewport. Every page is saved as a screenshot, desktop and phone, under
// target/browser-artifacts/dashboard/.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ARTIFACTS, COLLECTOR, ROOT, Stack } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SHOTS = path.join(ARTIFACTS, 'dashboard');
const INAIL_SERVICE = 'inail-denuncia-infortunio-info';
// One year, so that the pages and the API are asked exactly the same period.
const PERIOD = 'granularity=year&period=2026';
const API_PERIOD = 'granularity=year&from=2026-01-01&to=2026-01-01';

const stack = new Stack('dashboard');
const tokens = {};

before(async () => {
  await stack.start();
  const cli = (args) => stack.collector.cli(args);
  cli(['registry', 'import', path.join(ROOT, 'examples', 'registry', 'national.toml')]);
  stack.collector.seed(['--responses', '4000', '--seed', '7', '--until', '2026-11-30']);
  const last = (out) => String(out).trim().split('\n').pop().trim();
  tokens.national = last(cli(['token', 'issue', '--role', 'national', '--ttl', '1h']));
  tokens.analyst = last(cli(['token', 'issue', '--role', 'analyst', '--ttl', '1h']));
  tokens.body = last(cli(['token', 'issue', '--role', 'body', '--body', 'inps', '--ttl', '1h']));
  // The running collector sees the import within seconds (it polls the registry version); the
  // labels of every page come from its registry in memory, so wait until every cell is named.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { status, body } = await api('national', `/v1/stats?group_by=service&indicator=facilita&${API_PERIOD}`);
    if (status === 200 && body.cells.length > 0 && body.cells.every((c) => c.group.name && c.group.body)) break;
    assert.ok(Date.now() < deadline, 'the running collector serves the imported registry within 30 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  mkdirSync(SHOTS, { recursive: true });
}, { timeout: 300_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** The API's answer for a role. */
async function api(role, pathAndQuery) {
  const response = await fetch(`${COLLECTOR}${pathAndQuery}`, { headers: { Authorization: `Bearer ${tokens[role]}` } });
  return { status: response.status, body: response.status === 200 ? await response.json() : null };
}

/** A browser context signed in as `role` through the sign-in form. */
async function signIn(role, viewport = { width: 1280, height: 900 }) {
  const context = await stack.browser.newContext({ locale: 'it-IT', viewport });
  const page = await context.newPage();
  const problems = [];
  const expected = new Set();
  page.on('console', (m) => {
    // Failed loads are judged by their responses below, where their address is known.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (r.status() >= 400 && !expected.has(url.pathname + url.search)) problems.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${COLLECTOR}/dashboard?locale=it`);
  assert.match(page.url(), /\/dashboard\/sign-in/, 'without a session the dashboard asks to sign in');
  await page.getByLabel("Token dell'operatore").fill(tokens[role]);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.waitForLoadState('load');
  const cookie = (await context.cookies()).find((c) => c.name === 'voce_session');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.ok(cookie.expires > Date.now() / 1000 + 3000 && cookie.expires < Date.now() / 1000 + 3700, 'expires with the token');
  return { context, page, problems, expected };
}

async function expectNoViolations(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (tags) =>
      window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }).then((r) => ({
        passes: r.passes.length,
        violations: r.violations.map((v) => ({ rule: v.id, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) })),
      })),
    TAGS,
  );
  assert.ok(result.passes > 0, `axe checked ${name}`);
  assert.deepEqual(result.violations, [], `axe violations on ${name}`);
}

async function noHorizontalScroll(page, name) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width + 1, `${name}: the page scrolls sideways (${scroll} > ${width})`);
}

/** Visits a page, checks it and saves its screenshots; returns its HTML. */
async function check(session, role, name, url) {
  const { page } = session;
  const response = await page.goto(`${COLLECTOR}${url}`);
  assert.equal(response.status(), 200, `${role} ${url}`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  await expectNoViolations(page, `${role} ${name}`);
  await page.screenshot({ path: path.join(SHOTS, `${role}-${name}-desktop.png`), fullPage: true });
  // 200% zoom: the same window at half the CSS width.
  await page.setViewportSize({ width: 640, height: 900 });
  await noHorizontalScroll(page, `${role} ${name} at 200%`);
  await page.setViewportSize({ width: 375, height: 812 });
  await noHorizontalScroll(page, `${role} ${name} at 375 px`);
  await expectNoViolations(page, `${role} ${name} at 375 px`);
  await page.screenshot({ path: path.join(SHOTS, `${role}-${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  return page.content();
}

async function refused(session, url, scope) {
  session.expected.add(url);
  const response = await session.page.goto(`${COLLECTOR}${url}`);
  assert.equal(response.status(), 403, url);
  assert.ok((await session.page.content()).includes(scope), `the refusal of ${url} names ${scope}`);
}

/** The row of a table whose heading cell reads `label`, as the texts of its cells. */
async function row(page, tableId, label) {
  return page.$$eval(`#${tableId} tbody tr`, (rows, label) => {
    const found = rows.find((r) => r.querySelector('th')?.textContent.trim() === label);
    return found ? [...found.querySelectorAll('th, td')].map((c) => c.textContent.trim()) : null;
  }, label);
}

const it = (x) => x.toFixed(2).replace('.', ',');

describe('the dashboard, for each role', { timeout: 600_000 }, () => {
  test('national: every page, matching the API', async () => {
    const s = await signIn('national');
    await check(s, 'national', 'overview', `/dashboard?locale=it&${PERIOD}`);
    const ranked = await api('national', `/v1/stats?group_by=service&indicator=facilita&${API_PERIOD}`);
    assert.equal(ranked.status, 200);
    const published = ranked.body.cells.filter((c) => !c.suppressed);
    const suppressed = ranked.body.cells.filter((c) => c.suppressed);
    assert.ok(published.length > 0 && suppressed.length > 0, 'the seeded year has both kinds of cell');
    const rows = await s.page.$$eval('#ranked-c', (c) => c.length);
    assert.equal(rows, 1);
    for (const cell of published.slice(0, 5)) {
      const label = `${cell.group.name} (${cell.group.body})`;
      const r = await s.page.$$eval('table', (tables, label) => {
        for (const t of tables) {
          for (const tr of t.querySelectorAll('tbody tr')) {
            if (tr.querySelector('th')?.textContent.trim() === label) return [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
          }
        }
        return null;
      }, label);
      assert.ok(r, `the overview lists ${label}`);
      assert.equal(r[1], it(cell.mean), `${label}: the mean of the API`);
    }
    for (const cell of suppressed.slice(0, 5)) {
      const label = `${cell.group.name} (${cell.group.body})`;
      const r = await s.page.$$eval('table', (tables, label) => {
        for (const t of tables) {
          for (const tr of t.querySelectorAll('tbody tr')) {
            if (tr.querySelector('th')?.textContent.trim() === label) return [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
          }
        }
        return null;
      }, label);
      assert.ok(r, `the overview lists ${label}`);
      assert.equal(r[1], 'dati insufficienti', `${label} is suppressed, never zero`);
      assert.equal(r[2], 'dati insufficienti');
    }
    await check(s, 'national', 'body', `/dashboard/bodies/inps?locale=it&${PERIOD}`);
    const snippet = await s.page.inputValue('#embed-inps-naspi');
    const manifest = JSON.parse(readFileSync(path.join(process.env.VOCE_WIDGET_DIR ?? path.join(ROOT, 'target', 'widget'), 'manifest.json'), 'utf8'));
    const pinned = manifest.files.find((f) => f.role === 'loader-pinned');
    assert.ok(snippet.includes(`/widget/v1/${pinned.name}" integrity="${pinned.integrity}"`), snippet);
    assert.ok(snippet.includes('<voce-feedback service="inps-naspi" locale="it"></voce-feedback>'));
    const html = await check(s, 'national', 'service', `/dashboard/services/inps-naspi?locale=it&${PERIOD}`);
    assert.ok(html.includes('Ultimi commenti'));
    assert.ok(!html.includes('non consente di leggere i commenti'));
    await check(s, 'national', 'exports', '/dashboard/exports?locale=it');
    assert.ok((await s.page.content()).includes('/v1/exports/responses.csv'));
    await check(s, 'national', 'audit', '/dashboard/audit?locale=it');
    assert.ok((await s.page.content()).includes('token-issued'));
    await check(s, 'national', 'overview-en', `/dashboard?locale=en&${PERIOD}`);
    assert.ok((await s.page.content()).includes('insufficient data'));
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  test('analyst: aggregates of every body, never a comment, raw responses or the audit log', async () => {
    const s = await signIn('analyst');
    await check(s, 'analyst', 'overview', `/dashboard?locale=it&${PERIOD}`);
    await check(s, 'analyst', 'body-inail', `/dashboard/bodies/inail?locale=it&${PERIOD}`);
    const html = await check(s, 'analyst', 'service', `/dashboard/services/inps-naspi?locale=it&${PERIOD}`);
    assert.ok(html.includes('Il tuo ruolo non consente di leggere i commenti.'));
    assert.equal((await api('analyst', '/v1/responses?service=inps-naspi')).status, 403);
    await check(s, 'analyst', 'exports', '/dashboard/exports?locale=it');
    assert.ok(!(await s.page.content()).includes('responses.csv'));
    await refused(s, '/dashboard/audit?locale=it', 'national');
    assert.equal((await api('analyst', '/v1/audit')).status, 403);
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });

  test('body (INPS): its own pages, never another body’s', async () => {
    const s = await signIn('body');
    assert.match(s.page.url(), /\/dashboard\/bodies\/inps/, 'a body starts on its own page');
    await check(s, 'body', 'body', `/dashboard/bodies/inps?locale=it&${PERIOD}`);
    const stats = await api('body', `/v1/stats?body=inps&group_by=service&indicator=facilita&${API_PERIOD}`);
    for (const cell of stats.body.cells) {
      const r = await row(s.page, 'comparison', `${cell.group.name} (${cell.group.body})`);
      assert.ok(r, `the comparison lists ${cell.group.code}`);
      assert.equal(r[1], cell.suppressed ? 'dati insufficienti' : it(cell.mean));
    }
    await check(s, 'body', 'service', `/dashboard/services/inps-naspi?locale=it&${PERIOD}`);
    await check(s, 'body', 'exports', '/dashboard/exports?locale=it');
    await refused(s, `/dashboard/bodies/inail?locale=it`, 'aggregates:inail');
    await refused(s, `/dashboard/services/${INAIL_SERVICE}?locale=it`, 'aggregates:inail');
    await refused(s, '/dashboard/audit?locale=it', 'national');
    assert.equal((await api('body', '/v1/responses?body=inail')).status, 403);
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });
});

describe('keyboard and session', { timeout: 120_000 }, () => {
  test('the skip link comes first and leads to the content; every control is reachable', async () => {
    const s = await signIn('national');
    await s.page.goto(`${COLLECTOR}/dashboard?locale=it&${PERIOD}`);
    await s.page.keyboard.press('Tab');
    assert.equal(await s.page.evaluate(() => document.activeElement.textContent), 'Vai al contenuto principale');
    await s.page.keyboard.press('Enter');
    assert.equal(await s.page.evaluate(() => document.activeElement.id), 'main');
    const reached = new Set();
    for (let i = 0; i < 60; i++) {
      await s.page.keyboard.press('Tab');
      reached.add(await s.page.evaluate(() => document.activeElement.id || document.activeElement.textContent.trim()));
    }
    for (const id of ['f-indicator', 'f-granularity', 'f-period', 'Applica']) assert.ok(reached.has(id), `Tab reaches ${id}`);
    await s.page.goto(`${COLLECTOR}/dashboard/exports?locale=it`);
    await s.page.getByRole('button', { name: 'Esci' }).click();
    await s.page.waitForURL(/sign-in/);
    assert.equal((await s.context.cookies()).some((c) => c.name === 'voce_session' && c.value), false, 'signed out');
    const again = await s.page.goto(`${COLLECTOR}/dashboard/audit`);
    assert.match(again.url(), /sign-in/);
    await s.context.close();
  });
});
