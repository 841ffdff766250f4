// The hosted page (/s/{service}) with JavaScript disabled: a citizen completes the form of a
// facilita-servizio service in each flow (negative and positive follow-up), meeting a validation
// error on the way; axe-core (WCAG 2.0/2.1/2.2 A and AA, and best practices) reports no violation
// on any state of the whole page; exactly one row is stored per completion, with channel `page`,
// read back through `voce-collector responses export --full-record`.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { countResponses, responsesOf } from './lib/database.mjs';
import { COLLECTOR, Stack, artifact } from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

const stack = new Stack('hosted');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** A citizen's browser with JavaScript off, on the hosted page of `service`. */
async function openPage(service, query = '?locale=it') {
  const context = await stack.browser.newContext({
    javaScriptEnabled: false,
    locale: 'it-IT',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const csp = [];
  page.on('console', (m) => {
    if (m.type() === 'error') csp.push(m.text());
  });
  const response = await page.goto(`${COLLECTOR}/s/${service}${query}`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'none'/);
  return { context, page, console: csp };
}

/**
 * Runs axe on the whole page in the state the citizen sees. axe schedules its work with timers,
 * which do not run in a page whose JavaScript is disabled; so the state's exact document (its
 * HTML, at its URL, with the real stylesheet from the collector) is opened in a second context
 * with JavaScript on, and axe runs there.
 */
async function expectNoViolations(page, state) {
  const html = await page.content();
  const url = page.url().split('#')[0];
  const context = await stack.browser.newContext({ locale: 'it-IT', viewport: { width: 1280, height: 900 } });
  try {
    await context.route(url, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    const copy = await context.newPage();
    await copy.goto(url, { waitUntil: 'load' });
    assert.equal(
      await copy.evaluate(() => getComputedStyle(document.body).fontFamily.includes('system-ui')),
      true,
      'the stylesheet applies',
    );
    await copy.evaluate(AXE_SOURCE);
    const result = await copy.evaluate(
      (tags) =>
        window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }).then((r) => ({
          version: r.testEngine.version,
          passes: r.passes.length,
          violations: r.violations.map((v) => ({
            rule: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
          })),
        })),
      TAGS,
    );
    await page.screenshot({ path: artifact(`hosted-${state}.png`), fullPage: true }).catch(() => {});
    assert.match(result.version, /^4\.14\./, 'the pinned axe-core ran');
    assert.ok(result.passes > 0, `axe checked something in the ${state} state`);
    assert.deepEqual(result.violations, [], `axe violations in the ${state} state`);
  } finally {
    await context.close();
  }
}

/** The page's state a citizen cannot miss: no script ran, no cookie was set. */
async function expectNoScriptNoCookie({ page, context, console }) {
  assert.equal(await page.locator('script').count(), 0, 'the page has no script');
  assert.deepEqual(await context.cookies(), [], 'no cookie');
  // The answers with errors come back as 422, which Chromium logs as a failed load: only the
  // policy's refusals count here.
  const refused = console.filter((text) => /Content Security Policy|Refused to/i.test(text));
  assert.deepEqual(refused, [], 'no Content-Security-Policy violation');
}

describe('the hosted page works with JavaScript disabled', { timeout: 300_000 }, () => {
  test('negative flow: a missing rating is reported, then two stars, the difficulties, details and the module', async () => {
    const service = 'inps-naspi';
    const before = countResponses(stack.collector, service);
    const visit = await openPage(service);
    const { page } = visit;
    try {
      await expectNoViolations(page, 'negative-initial');
      await expectNoScriptNoCookie(visit);
      assert.equal(
        (await page.locator('legend').first().textContent()).trim(),
        'Quanto è stato facile usare questo servizio?',
      );

      // Avanti without a rating: the error summary on top, the message by the field.
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.waitForLoadState('load');
      const summary = page.locator('.error-summary');
      assert.equal(await summary.isVisible(), true, 'the error summary is shown');
      assert.match(await summary.textContent(), /Questa risposta è obbligatoria\./);
      assert.match(await page.locator('#valutazione-error').textContent(), /Questa risposta è obbligatoria\./);
      assert.match(await page.title(), /^Errore:/);
      await expectNoViolations(page, 'negative-error');
      // The summary's link leads to the field.
      await summary.getByRole('link').first().click();
      assert.equal(new URL(page.url()).hash, '#valutazione-1');

      await page.getByLabel('Valuta 2 stelle su 5').check();
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.waitForLoadState('load');
      const negative = page.getByRole('group', { name: 'Dove hai incontrato le maggiori difficoltà?' });
      assert.equal(await negative.isVisible(), true, 'the negative follow-up is shown');
      assert.equal(
        await page.getByRole('group', { name: 'Quali sono stati gli aspetti che hai preferito?' }).count(),
        0,
        'the positive follow-up is not',
      );
      assert.equal(await page.getByRole('heading', { name: /Hai ancora un minuto\?/ }).isVisible(), true);
      await expectNoViolations(page, 'negative-step-2');

      await negative.getByLabel('Ho avuto problemi tecnici').check();
      await page.getByLabel('Dettaglio').fill('La pagina si bloccava al secondo passo.');
      await page.getByRole('group', { name: 'Sei riuscito a fare quello che ti serviva?' }).getByLabel('No').check();
      await page.getByRole('button', { name: 'Invia' }).click();
      await page.waitForLoadState('load');
      assert.equal(
        (await page.locator('main p').textContent()).trim(),
        'Grazie, il tuo parere ci aiuterà a migliorare il servizio!',
      );
      await expectNoViolations(page, 'negative-confirmation');
      await expectNoScriptNoCookie(visit);
    } finally {
      await visit.context.close();
    }
    assert.equal(countResponses(stack.collector, service), before + 1, 'exactly one row');
    const row = responsesOf(stack.collector, service).at(-1);
    assert.equal(row.channel, 'page');
    assert.equal(row.verified, false);
    assert.equal(row.valutazione, 2);
    assert.equal(row.motivo, 'problemi-tecnici');
    assert.equal(row.esito, 'no');
    assert.deepEqual(row.answers, { valutazione: 2, difficolta: 'problemi-tecnici', esito: 'no' });
    assert.equal(row.free_texts[0].text, 'La pagina si bloccava al secondo passo.');
  });

  test('positive flow: five stars, a too-long text is reported with the answers kept, then sent', async () => {
    const service = 'roma-prenotazione-cie';
    const before = countResponses(stack.collector, service);
    const visit = await openPage(service);
    const { page } = visit;
    try {
      await page.getByLabel('Valuta 5 stelle su 5').check();
      await page.getByRole('button', { name: 'Avanti' }).click();
      await page.waitForLoadState('load');
      const positive = page.getByRole('group', { name: 'Quali sono stati gli aspetti che hai preferito?' });
      assert.equal(await positive.isVisible(), true, 'the positive follow-up is shown');
      assert.equal(
        await page.getByRole('group', { name: 'Dove hai incontrato le maggiori difficoltà?' }).count(),
        0,
        'the negative follow-up is not',
      );
      await expectNoViolations(page, 'positive-step-2');
      await positive.getByLabel('Le indicazioni erano complete').check();
      await page
        .getByRole('group', { name: 'Nel complesso, quanto sei soddisfatto di questo servizio?' })
        .getByLabel('5 — Molto soddisfatto')
        .check();
      // The browser stops typing at 200 characters: the input's limit goes (as on an older page
      // or another client) so that a longer value reaches the server, which refuses it.
      await page.locator('#dettagli').evaluate((input) => input.removeAttribute('maxlength'));
      await page.getByLabel('Dettaglio').fill('x'.repeat(201));
      await page.getByRole('button', { name: 'Invia' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.locator('.error-summary').textContent(), /Il testo è troppo lungo\./);
      assert.match(await page.locator('#dettagli-error').textContent(), /Il testo è troppo lungo\./);
      assert.equal(await page.getByLabel('Le indicazioni erano complete').isChecked(), true, 'the choice is kept');
      assert.equal(await page.getByLabel('5 — Molto soddisfatto').isChecked(), true, 'the scale is kept');
      assert.equal((await page.getByLabel('Dettaglio').inputValue()).length, 201, 'the text is kept');
      await expectNoViolations(page, 'positive-error');

      await page.getByLabel('Dettaglio').fill('Tutto chiaro.');
      await page.getByRole('button', { name: 'Invia' }).click();
      await page.waitForLoadState('load');
      assert.equal(
        (await page.locator('main p').textContent()).trim(),
        'Grazie, il tuo parere ci aiuterà a migliorare il servizio!',
      );
      await expectNoViolations(page, 'positive-confirmation');
      await expectNoScriptNoCookie(visit);
    } finally {
      await visit.context.close();
    }
    assert.equal(countResponses(stack.collector, service), before + 1, 'exactly one row');
    const row = responsesOf(stack.collector, service).at(-1);
    assert.equal(row.channel, 'page');
    assert.equal(row.valutazione, 5);
    assert.equal(row.motivo, 'indicazioni-complete');
    assert.equal(row.soddisfazione, 5);
    assert.equal(row.free_texts[0].text, 'Tutto chiaro.');
  });
});
