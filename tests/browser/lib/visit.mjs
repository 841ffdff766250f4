// A citizen's visit to an example page: a fresh browser context (no cookies, no storage), with
// everything the page reports recorded so that a test can say "and nothing went wrong":
// Content-Security-Policy violations, console errors, uncaught errors, the widget's events, and
// every request the page made.

import assert from 'node:assert/strict';

import { COLLECTOR, SITES, artifact, waitUntil } from './harness.mjs';

/**
 * Opens `site` ("inps", "inail", "roma", "other") in a new context.
 *
 * `allowConsole` lists regular expressions of console errors the test causes on purpose (a
 * stopped collector, a refused origin); anything else is a failure in `assertClean`.
 * `deviceScaleFactor` with a narrow `viewport` is how a zoomed window looks to the page (200% of
 * 1280 px: 640 CSS px at scale 2). `beforeLoad(context)` runs before the page is opened, for the
 * routes a test puts between the browser and the servers.
 */
export async function visit(
  stack,
  site,
  { allowConsole = [], bypassCSP = false, viewport, reducedMotion, deviceScaleFactor, beforeLoad } = {},
) {
  const context = await stack.browser.newContext({
    locale: 'it-IT',
    viewport: viewport ?? { width: 1280, height: 900 },
    bypassCSP,
    reducedMotion,
    deviceScaleFactor,
  });
  if (beforeLoad) await beforeLoad(context);
  const record = {
    site,
    origin: SITES[site],
    context,
    page: null,
    csp: [],
    console: [],
    pageErrors: [],
    events: [],
    requests: [],
    allowConsole,
  };
  await context.exposeBinding('__voceTestReport', ({ frame }, kind, detail) => {
    if (kind === 'csp') record.csp.push(detail);
    if (kind === 'event') record.events.push({ ...detail, url: frame.url() });
  });
  await context.addInitScript(() => {
    const report = (kind, detail) => {
      try {
        window.__voceTestReport(kind, detail);
      } catch {
        // The binding is not there in a frame that the test does not watch.
      }
    };
    document.addEventListener(
      'securitypolicyviolation',
      (e) => report('csp', { directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, sample: e.sample }),
      true,
    );
    for (const type of ['voce:ready', 'voce:submitted', 'voce:error', 'feedback-submit']) {
      window.addEventListener(type, (e) => report('event', { type, detail: JSON.parse(JSON.stringify(e.detail ?? null)) }), true);
    }
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  record.page = page;
  page.on('console', (message) => {
    if (message.type() === 'error') record.console.push(message.text());
  });
  page.on('pageerror', (error) => record.pageErrors.push(String(error)));
  page.on('request', (request) => record.requests.push({ method: request.method(), url: request.url() }));
  await page.goto(`${record.origin}/`, { waitUntil: 'load' });
  return record;
}

/** The widget's events of one type seen so far. */
export function eventsOf(record, type) {
  return record.events.filter((e) => e.type === type);
}

/** Waits until the widget has dispatched an event of `type`. */
export async function waitForEvent(record, type, timeoutMs = 15_000) {
  return waitUntil(() => eventsOf(record, type)[0], `the widget's ${type} event on ${record.site}`, timeoutMs);
}

/**
 * Asserts the visit was clean: no CSP violation, no unexpected console error or uncaught error, no
 * cookie, no storage entry, and no request to any host but the page's and the collector's.
 */
export async function assertClean(record) {
  const { page, context } = record;
  assert.deepEqual(record.csp, [], `Content-Security-Policy violations on ${record.site}`);
  const unexpected = record.console.filter((text) => !record.allowConsole.some((re) => re.test(text)));
  assert.deepEqual(unexpected, [], `console errors on ${record.site}`);
  assert.deepEqual(record.pageErrors, [], `uncaught errors on ${record.site}`);
  assert.deepEqual(await context.cookies(), [], `cookies after visiting ${record.site}`);
  const storage = await page.evaluate(async () => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    indexedDB: (await indexedDB.databases()).map((d) => d.name),
    caches: typeof caches === 'undefined' ? [] : await caches.keys(),
  }));
  assert.deepEqual(storage, { local: [], session: [], indexedDB: [], caches: [] }, `storage after visiting ${record.site}`);
  const foreign = record.requests.filter(
    ({ url }) => !url.startsWith(`${record.origin}/`) && !url.startsWith(`${COLLECTOR}/`) && !url.startsWith('data:'),
  );
  assert.deepEqual(foreign, [], `requests to other hosts from ${record.site}`);
}

/** Saves a screenshot of `locator` (or the page) as target/browser-artifacts/NAME.png. */
export async function screenshot(record, name, locator) {
  const target = locator ?? record.page;
  await target.screenshot({ path: artifact(`${name}.png`), animations: 'disabled' }).catch(() => {});
}
