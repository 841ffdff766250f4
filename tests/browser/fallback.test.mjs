// Where the widget cannot run, the citizen still gets to the questionnaire: the loader puts a
// link "Rispondi al questionario" to the collector's hosted page of the same service and locale
// (`/s/{service}?locale=…`) in the placement — when the browser has no WebAssembly, when the
// page's CSP refuses to compile it, when the glue script does not load, and when the widget runs
// but cannot load its form. Followed, the link leads to a completed response (issue 13's
// acceptance): one row stored, with channel `page`. The link is
// accessible (axe-core, WCAG 2.2 A/AA, scoped to the placement: 0 violations).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { countResponses, responsesOf } from './lib/database.mjs';
import { COLLECTOR, SITES, Stack } from './lib/harness.mjs';
import { assertClean, screenshot, visit, waitForEvent } from './lib/visit.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The INPS example page's placement: `inps-naspi`, in Italian (the page's `<html lang>`). */
const HOSTED = `${COLLECTOR}/s/inps-naspi?locale=it`;
const LINK_TEXT = 'Rispondi al questionario';

const stack = new Stack('fallback');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** The fallback link in the placement (Playwright's locators pierce open shadow roots). */
function fallbackLink(record) {
  return record.page.locator('#valutazione').getByRole('link', { name: LINK_TEXT, exact: true });
}

/** Scrolls the placement into view (the loader starts only then) and waits for the link. */
async function expectFallbackLink(record) {
  await record.page.locator('#valutazione').scrollIntoViewIfNeeded();
  const link = fallbackLink(record);
  await link.waitFor({ state: 'visible' });
  assert.equal(await link.count(), 1, 'exactly one fallback link');
  // The INPS page passes a completion attestation (`data-attestation`): the link carries it on.
  const attestation = await record.page.evaluate(
    () => document.querySelector('[data-attestation]')?.getAttribute('data-attestation') ?? '',
  );
  const expected = attestation ? `${HOSTED}&a=${encodeURIComponent(attestation)}` : HOSTED;
  assert.equal(await link.getAttribute('href'), expected, 'the link leads to the hosted page of the same service and locale');
  return link;
}

/** Runs axe on the placement element and fails listing every violation. */
async function expectNoViolations(record, state) {
  const { page } = record;
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const host = await page.locator('#valutazione voce-feedback').elementHandle();
  assert.ok(host, 'the placement element is on the page');
  const result = await page.evaluate(
    ([host, tags]) =>
      window.axe.run(host, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }).then((r) => ({
        version: r.testEngine.version,
        passes: r.passes.length,
        violations: r.violations.map((v) => ({ rule: v.id, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) })),
      })),
    [host, TAGS],
  );
  await screenshot(record, `fallback-${state}`, page.locator('#valutazione'));
  assert.match(result.version, /^4\.14\./, 'the pinned axe-core ran');
  assert.ok(result.passes > 0, `axe checked something in the ${state} state`);
  assert.deepEqual(result.violations, [], `axe violations in the ${state} state`);
}

/** The widget files the page requested (the glue and the wasm, by their built extensions). */
function widgetDownloads(record) {
  return record.requests.filter(({ url }) => /\/widget\/v1\/voce-[0-9a-f]{8}\.(js|wasm)$/.test(url));
}

describe('where the widget cannot run, a link leads to the hosted page', { timeout: 180_000 }, () => {
  test('a browser without WebAssembly gets the link, accessible, and downloads neither glue nor wasm', async () => {
    const record = await visit(stack, 'inps', {
      beforeLoad: (context) =>
        context.addInitScript(() => {
          delete window.WebAssembly;
        }),
    });
    assert.equal(await record.page.evaluate(() => typeof WebAssembly), 'undefined', 'the browser has no WebAssembly');
    await expectFallbackLink(record);
    const error = await waitForEvent(record, 'voce:error');
    assert.deepEqual(error.detail, { service: 'inps-naspi', code: 'unsupported' });
    assert.deepEqual(widgetDownloads(record), [], 'no glue or wasm fetched for a browser that cannot run them');
    await expectNoViolations(record, 'no-webassembly');
    await assertClean(record);
    await record.context.close();
  });

  test('a page whose CSP refuses to compile WebAssembly gets the link', async () => {
    const record = await visit(stack, 'inps', {
      // A second policy, as a <meta> the init script puts first in <head>: the browser enforces
      // both, and this one has no 'wasm-unsafe-eval' (a page whose CSP lacks it). Rewriting the
      // header through a route instead would make Chromium treat the page as served from
      // outside the loopback network and refuse the collector's loader altogether.
      beforeLoad: (context) =>
        context.addInitScript((collector) => {
          const add = () => {
            if (!document.head || document.head.querySelector('meta[data-test-csp]')) return Boolean(document.head);
            const meta = document.createElement('meta');
            meta.httpEquiv = 'Content-Security-Policy';
            meta.content = `script-src 'self' ${collector}`;
            meta.setAttribute('data-test-csp', '');
            document.head.prepend(meta);
            return true;
          };
          if (!add()) {
            const observer = new MutationObserver(() => add() && observer.disconnect());
            observer.observe(document, { childList: true, subtree: true });
          }
        }, COLLECTOR),
    });
    await expectFallbackLink(record);
    const error = await waitForEvent(record, 'voce:error');
    assert.equal(error.detail.code, 'load-failed');
    assert.deepEqual(
      record.csp.map((v) => [v.directive, v.blocked]),
      [['script-src', 'wasm-eval']],
      'the CSP refused the compilation of the WebAssembly, and nothing else',
    );
    assert.equal(
      await record.page.evaluate(() => document.querySelector('meta[data-test-csp]')?.parentElement?.localName),
      'head',
      'the second policy was in force',
    );
    await expectNoViolations(record, 'csp-refusal');
    await record.context.close();
  });

  test('when the glue script cannot load, the loader shows the link', async () => {
    const record = await visit(stack, 'inps', {
      allowConsole: [/Failed to load resource/i],
      beforeLoad: (context) => context.route(/\/widget\/v1\/voce-[0-9a-f]{8}\.js$/, (route) => route.abort('failed')),
    });
    await expectFallbackLink(record);
    const error = await waitForEvent(record, 'voce:error');
    assert.deepEqual(error.detail, { service: 'inps-naspi', code: 'load-failed' });
    await expectNoViolations(record, 'glue-failed');
    await assertClean(record);
    await record.context.close();
  });

  test('when the widget runs but its form does not load, the link joins its retry button in the shadow root', async () => {
    const record = await visit(stack, 'inps', {
      allowConsole: [/Failed to load resource.*503/i],
      beforeLoad: (context) =>
        context.route(`${COLLECTOR}/v1/forms/**`, (route) =>
          route.fulfill({ status: 503, headers: { 'access-control-allow-origin': SITES.inps }, body: '' }),
        ),
    });
    const link = await expectFallbackLink(record);
    assert.equal(await link.evaluate((a) => a.getRootNode() instanceof ShadowRoot), true, 'the link is in the widget');
    const error = await waitForEvent(record, 'voce:error');
    assert.equal(error.detail.code, 'load-failed');
    await expectNoViolations(record, 'form-load-failed');
    await assertClean(record);
    await record.context.close();
  });

  test('the link, followed, completes the response on the hosted page: one row stored, channel page', async () => {
    const service = 'inps-naspi';
    const before = countResponses(stack.collector, service);
    const record = await visit(stack, 'inps', {
      beforeLoad: (context) =>
        context.addInitScript(() => {
          delete window.WebAssembly;
        }),
    });
    const link = await expectFallbackLink(record);
    const href = await link.getAttribute('href');
    await Promise.all([record.page.waitForURL(`${COLLECTOR}/s/**`), link.click()]);
    const { page } = record;
    assert.equal(page.url(), href, 'the citizen is on the hosted page of the same service and locale');
    await page.getByLabel('Valuta 2 stelle su 5').check();
    await page.getByRole('button', { name: 'Avanti' }).click();
    await page.waitForLoadState('load');
    const negative = page.getByRole('group', { name: 'Dove hai incontrato le maggiori difficoltà?' });
    await negative.getByLabel('Ho avuto problemi tecnici').check();
    await page.getByRole('group', { name: 'Sei riuscito a fare quello che ti serviva?' }).getByLabel('No').check();
    await page.getByRole('button', { name: 'Invia' }).click();
    await page.waitForLoadState('load');
    assert.equal(
      (await page.locator('main p').first().textContent()).trim(),
      'Grazie, il tuo parere ci aiuterà a migliorare il servizio!',
    );
    await record.context.close();
    assert.equal(countResponses(stack.collector, service), before + 1, 'exactly one row');
    const row = responsesOf(stack.collector, service).at(-1);
    assert.equal(row.channel, 'page');
    assert.equal(row.verified, true, 'the attestation the INPS page passed on came through the link');
    assert.equal(row.valutazione, 2);
    assert.equal(row.esito, 'no');
  });
});
