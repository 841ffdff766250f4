// axe-core, pinned, with the WCAG 2.0/2.1/2.2 A and AA rules, reports no violation in any state of
// the widget: initial, follow-up, free text, national module, confirmation, errors, the personal
// data warning, the unavailable state, in isolated mode (open shadow root) and in conformance mode.
// axe is scoped to the widget's placement: the example pages are not what is under test.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { MODULE, NEGATIVE, POSITIVE, UI } from './lib/catalog.mjs';
import { COLLECTOR, Stack } from './lib/harness.mjs';
import { screenshot, visit } from './lib/visit.mjs';
import { Widget, pick } from './lib/widget.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const stack = new Stack('accessibility');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/**
 * Runs axe on the widget's placement and fails listing every violation. axe is evaluated through
 * the DevTools protocol, which the page's CSP does not govern, so the page keeps its real CSP.
 */
async function expectNoViolations(widget, state) {
  const { page } = widget;
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const host = await widget.host();
  const result = await page.evaluate(
    ([host, tags]) =>
      window.axe.run(host, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }).then((r) => ({
        version: r.testEngine.version,
        passes: r.passes.length,
        violations: r.violations.map((v) => ({
          rule: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
        })),
      })),
    [host, TAGS],
  );
  await screenshot(widget.record, `axe-${state}`, widget.section);
  assert.match(result.version, /^4\.14\./, 'the pinned axe-core ran');
  assert.ok(result.passes > 0, `axe checked something in the ${state} state`);
  assert.deepEqual(result.violations, [], `axe violations in the ${state} state`);
}

describe('axe-core finds no WCAG 2.2 A/AA violation in the widget', { timeout: 300_000 }, () => {
  test('in isolated mode: initial, follow-up, free text, invitation, national module and confirmation', async () => {
    const record = await visit(stack, 'inps');
    const widget = await new Widget(record).waitForForm();
    assert.equal(await widget.inShadowRoot(), true, 'axe looks into the open shadow root');
    await expectNoViolations(widget, 'isolated-initial');

    await widget.clickStar(5);
    await widget.expectFollowUp('positive');
    await expectNoViolations(widget, 'isolated-follow-up');

    await pick(widget.followUp('positive'), POSITIVE.answers['nessun-problema-tecnico']);
    await widget.button(UI.next).click();
    await widget.details.fill('Tutto bene.');
    await expectNoViolations(widget, 'isolated-text');

    await widget.button(UI.next).click();
    await widget.form.getByText(MODULE.invitation, { exact: true }).waitFor();
    await expectNoViolations(widget, 'isolated-invitation');

    await widget.button(UI.accept).click();
    await pick(widget.form.getByRole('group', { name: MODULE.esito.question, exact: true }), MODULE.esito.answers['in-parte']);
    await expectNoViolations(widget, 'isolated-national-module');

    await widget.button(UI.send).click();
    await widget.waitForConfirmation();
    await expectNoViolations(widget, 'isolated-confirmation');
    await record.context.close();
  });

  test('in the error states: an invalid answer, personal data, and answers the collector refused', async () => {
    const record = await visit(stack, 'inail', { allowConsole: [/status of 409/] });
    const widget = await new Widget(record).waitForForm();
    await widget.clickStar(1);
    await pick(widget.followUp('negative'), NEGATIVE.answers.altro);
    await widget.button(UI.next).click();

    await widget.details.fill('x'.repeat(201));
    await widget.button(UI.send).click();
    await widget.details.and(widget.form.locator('[aria-invalid="true"]')).waitFor();
    await expectNoViolations(widget, 'error-too-long');

    await widget.details.fill('Scrivetemi a mario.rossi@example.com');
    await widget.personalDataWarning.waitFor();
    await expectNoViolations(widget, 'personal-data-warning');

    await widget.details.fill('Non ho trovato il modulo.');
    await record.page.route(`${COLLECTOR}/v1/responses`, (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/problem+json',
        headers: { 'access-control-allow-origin': record.origin },
        body: JSON.stringify({ type: 'https://voce.example/problems/conflict', title: 'Conflict', status: 409 }),
      }),
    );
    await widget.button(UI.send).click();
    await widget.button(UI.retry).waitFor();
    await expectNoViolations(widget, 'error-refused');
    await record.context.close();
  });

  test('in conformance mode: initial and follow-up', async () => {
    const record = await visit(stack, 'roma');
    const widget = await new Widget(record).waitForForm();
    await expectNoViolations(widget, 'comuni-initial');
    await widget.clickStar(3);
    await widget.expectFollowUp('negative');
    await expectNoViolations(widget, 'comuni-follow-up');
    await record.context.close();
  });

  test('at 320 CSS pixels wide the form reflows without horizontal scrolling and stays clean', async () => {
    const record = await visit(stack, 'inail', { viewport: { width: 320, height: 640 } });
    const widget = await new Widget(record).waitForForm();
    await widget.clickStar(4);
    await widget.expectFollowUp('positive');
    const overflow = await widget.form.evaluate((form) => ({ scroll: form.scrollWidth, client: form.clientWidth, width: form.getBoundingClientRect().width }));
    assert.ok(overflow.scroll <= overflow.client + 1, `the form's content fits its width (${overflow.scroll} > ${overflow.client})`);
    assert.ok(overflow.width <= 320, `the form is no wider than the viewport (${overflow.width})`);
    await expectNoViolations(widget, 'narrow-follow-up');
    await record.context.close();
  });

  test('in the unavailable state on an unregistered origin', async () => {
    const record = await visit(stack, 'other', { allowConsole: [/./] });
    const widget = new Widget(record);
    await widget.section.scrollIntoViewIfNeeded();
    await widget.waitForStatus(UI.unavailable);
    await expectNoViolations(widget, 'unavailable');
    await record.context.close();
  });
});
