// A citizen rates each example page, with the mouse or with the keyboard only, and the answer lands
// in the database exactly once, with the right service and questionnaire version.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CHIAREZZA, DETAILS, FACILITA, MODULE, NEGATIVE, POSITIVE, UI, star } from './lib/catalog.mjs';
import { countResponses, responsesOf } from './lib/database.mjs';
import { Stack } from './lib/harness.mjs';
import { assertClean, eventsOf, screenshot, visit, waitForEvent } from './lib/visit.mjs';
import { Widget, focused, pick, tabTo } from './lib/widget.mjs';

const stack = new Stack('citizen');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** Runs `flow` and returns the one response it stored for `service` (failing on none or more). */
async function theOneNewResponse(service, flow) {
  const before = responsesOf(stack.collector, service).map((r) => r.id);
  await flow();
  const added = responsesOf(stack.collector, service).filter((r) => !before.includes(r.id));
  assert.equal(added.length, 1, `exactly one new response stored for ${service}`);
  assert.equal(countResponses(stack.collector, service), before.length + 1, `the collector counts one more response for ${service}`);
  return added[0];
}

describe('a citizen rates a service', { timeout: 300_000 }, () => {
  test('on the INPS NASpI page with the mouse, through the follow-up, the free text and the national module', async () => {
    const stored = await theOneNewResponse('inps-naspi', async () => {
      const record = await visit(stack, 'inps');
      const widget = await new Widget(record).waitForForm();
      assert.equal(await widget.inShadowRoot(), true, 'isolated mode renders in an open shadow root');
      await widget.form.getByRole('heading', { name: FACILITA.title, exact: true }).waitFor();
      await widget.expectNamedStars();
      await waitForEvent(record, 'voce:ready');
      await screenshot(record, 'inps-1-initial', widget.form);

      await widget.clickStar(4);
      await widget.expectFollowUp('positive');
      await screenshot(record, 'inps-2-follow-up', widget.form);
      await pick(widget.followUp('positive'), POSITIVE.answers['indicazioni-chiare']);
      await widget.button(UI.next).click();

      await widget.details.fill('Procedura chiara, domanda inviata in dieci minuti.');
      await screenshot(record, 'inps-3-text', widget.form);
      await widget.button(UI.next).click();

      await widget.form.getByText(MODULE.invitation, { exact: true }).waitFor();
      await screenshot(record, 'inps-4-invitation', widget.form);
      await widget.button(UI.accept).click();
      await pick(widget.form.getByRole('group', { name: MODULE.esito.question, exact: true }), MODULE.esito.answers.si);
      await pick(widget.form.getByRole('group', { name: MODULE.soddisfazione, exact: true }), /^5\b/);
      await pick(widget.form.getByRole('group', { name: MODULE.fiducia('INPS'), exact: true }), /^4\b/);
      await screenshot(record, 'inps-5-national-module', widget.form);
      await widget.button(UI.send).click();

      await widget.waitForConfirmation();
      await screenshot(record, 'inps-6-confirmation', widget.form);
      await waitForEvent(record, 'voce:submitted');
      assert.equal(eventsOf(record, 'voce:error').length, 0, 'no voce:error event');
      await assertClean(record);
      await record.context.close();
    });
    assert.equal(stored.service_id, 'inps-naspi');
    // The INPS page's final step carries a completion attestation signed with the example key.
    assert.equal(stored.verified, true, 'the attested response is stored verified');
    assert.equal(stored.channel, 'widget');
    assert.equal(stored.questionnaire_id, FACILITA.id);
    assert.equal(stored.questionnaire_version, FACILITA.version);
    assert.equal(stored.locale, 'it');
    assert.deepEqual(
      { valutazione: stored.valutazione, esito: stored.esito, soddisfazione: stored.soddisfazione, fiducia: stored.fiducia },
      { valutazione: 4, esito: 'si', soddisfazione: 5, fiducia: 4 },
    );
    assert.equal(stored.answers['aspetti-positivi'], 'indicazioni-chiare');
    assert.equal(stored.answers.difficolta, undefined, 'the hidden branch sends nothing');
    assert.deepEqual(stored.free_texts.map((t) => [t.question, t.text]), [['dettagli', 'Procedura chiara, domanda inviata in dieci minuti.']]);
  });

  test('on the INAIL page with the keyboard only: Tab into the stars, arrows choose, Tab on, Enter sends', async () => {
    const stored = await theOneNewResponse('inail-denuncia-infortunio-info', async () => {
      const record = await visit(stack, 'inail');
      const { page } = record;
      const widget = await new Widget(record).waitForForm();
      await waitForEvent(record, 'voce:ready');

      // The last link of the page before the widget; from there on, only keys.
      await page.locator('#torna-su').focus();
      const first = await tabTo(page, (f) => f.inWidget && f.type === 'radio', 'the star rating');
      assert.equal(first.name, star(1), 'Tab enters the rating on its first star');
      assert.equal(first.focusVisible, true, 'the focused star shows its focus');

      await page.keyboard.press('ArrowRight');
      const second = await focused(page);
      assert.deepEqual([second.name, second.checked], [star(2), true], 'the right arrow chooses two stars');
      await widget.expectFollowUp('negative');
      await screenshot(record, 'inail-keyboard-1-follow-up', widget.form);

      const option = await tabTo(page, (f) => f.type === 'radio' && Object.values(NEGATIVE.answers).includes(f.name), 'the follow-up');
      assert.equal(option.name, NEGATIVE.answers['indicazioni-non-chiare']);
      await page.keyboard.press('ArrowDown');
      const chosen = await focused(page);
      assert.deepEqual([chosen.name, chosen.checked], [NEGATIVE.answers['indicazioni-non-complete'], true]);

      await tabTo(page, (f) => f.tag === 'button' && f.name === UI.next, `the ${UI.next} button`);
      await page.keyboard.press('Enter');
      await widget.details.waitFor();
      const isText = (f) => f.tag === 'input' && f.type === 'text' && f.name === DETAILS.label;
      if (!isText(await focused(page))) await tabTo(page, isText, 'the free text', { shift: true, max: 4 });
      await page.keyboard.type('Non trovavo chi deve fare la denuncia.');
      await screenshot(record, 'inail-keyboard-2-text', widget.form);

      await tabTo(page, (f) => f.tag === 'button' && f.name === UI.send, `the ${UI.send} button`, { max: 4 });
      await page.keyboard.press('Enter');
      await widget.waitForConfirmation();
      await screenshot(record, 'inail-keyboard-3-confirmation', widget.form);
      await assertClean(record);
      await record.context.close();
    });
    assert.equal(stored.questionnaire_id, CHIAREZZA.id);
    assert.equal(stored.questionnaire_version, CHIAREZZA.version);
    assert.equal(stored.valutazione, 2);
    assert.equal(stored.answers.difficolta, 'indicazioni-non-complete');
    assert.deepEqual(stored.free_texts.map((t) => t.text), ['Non trovavo chi deve fare la denuncia.']);
  });

  test('on the Roma Capitale service card in conformance mode with the mouse', async () => {
    const stored = await theOneNewResponse('roma-carta-identita', async () => {
      const record = await visit(stack, 'roma');
      const widget = await new Widget(record).waitForForm();
      assert.equal(await widget.inShadowRoot(), false, 'conformance mode renders in the light DOM');
      await widget.form.getByRole('heading', { name: CHIAREZZA.title, exact: true }).waitFor();
      await widget.expectNamedStars();
      await screenshot(record, 'roma-1-initial', widget.form);

      await widget.clickStar(2);
      await widget.expectFollowUp('negative');
      await pick(widget.followUp('negative'), NEGATIVE.answers['problemi-tecnici']);
      await screenshot(record, 'roma-2-follow-up', widget.form);
      await widget.button(UI.next).click();
      await widget.details.fill('La prenotazione non trovava date libere.');
      await widget.button(UI.send).click();

      await widget.waitForConfirmation();
      await screenshot(record, 'roma-3-confirmation', widget.form);
      await waitForEvent(record, 'voce:submitted');
      await waitForEvent(record, 'feedback-submit');
      await assertClean(record);
      await record.context.close();
    });
    assert.equal(stored.questionnaire_id, CHIAREZZA.id);
    assert.equal(stored.questionnaire_version, CHIAREZZA.version);
    assert.equal(stored.valutazione, 2);
    assert.equal(stored.answers.difficolta, 'problemi-tecnici');
  });
});

describe('the widget protects the citizen and the host page', { timeout: 300_000 }, () => {
  test('a codice fiscale typed in the free text is warned about in the browser and stored redacted', async () => {
    const codiceFiscale = 'RSSMRA85T10A562S';
    const stored = await theOneNewResponse('inail-denuncia-infortunio-info', async () => {
      const record = await visit(stack, 'inail');
      const widget = await new Widget(record).waitForForm();
      await widget.clickStar(5);
      await pick(widget.followUp('positive'), POSITIVE.answers['indicazioni-complete']);
      await widget.button(UI.next).click();
      assert.equal(await widget.personalDataWarning.count(), 0, 'no warning before any personal data');
      await widget.details.fill(`Tutto chiaro. Il mio codice fiscale è ${codiceFiscale}`);
      await widget.personalDataWarning.waitFor();
      const describedBy = await widget.details.getAttribute('aria-describedby');
      const warningId = await widget.personalDataWarning.getAttribute('id');
      assert.ok(describedBy?.split(/\s+/).includes(warningId), 'the warning is tied to the text field for screen readers');
      await screenshot(record, 'inail-personal-data-warning', widget.form);
      await widget.button(UI.send).click();
      await widget.waitForConfirmation();
      await assertClean(record);
      await record.context.close();
    });
    assert.equal(stored.free_texts.length, 1);
    const [text] = stored.free_texts;
    assert.ok(!text.text.includes(codiceFiscale), `the stored text "${text.text}" holds no codice fiscale`);
    assert.ok(text.text.startsWith('Tutto chiaro.'), 'the rest of the text is kept');
    assert.match(text.redacted_kinds, /codice|fiscal|cf/i, 'the redaction says what it removed');
  });

  test('the INAIL hostile stylesheet changes nothing in the widget but the inherited font family', async () => {
    const record = await visit(stack, 'inail');
    const widget = await new Widget(record).waitForForm();
    await widget.clickStar(5);
    await widget.expectFollowUp('positive');
    const measure = () =>
      widget.form.evaluate((form) => {
        const props = [
          'color', 'background-color', 'border-top-style', 'border-top-width', 'border-top-color',
          'padding-top', 'padding-left', 'margin-top', 'margin-left', 'font-size', 'font-weight',
          'line-height', 'letter-spacing', 'word-spacing', 'text-transform', 'text-align', 'display',
          'visibility', 'opacity', 'cursor', 'box-sizing', 'appearance',
        ];
        const pick = (what, el, extra = []) => {
          const style = getComputedStyle(el);
          return [what, Object.fromEntries([...props, ...extra].map((p) => [p, style.getPropertyValue(p)]))];
        };
        const q = (s) => form.querySelector(s);
        const star = q('input[type=radio]');
        const starLabel = form.querySelector(`label[for="${star.id}"]`);
        const option = q('fieldset[data-element="feedback-rating-positive"] input[type=radio]');
        const button = form.querySelector('button[type=submit]');
        return Object.fromEntries([
          pick('form', form),
          pick('title', q('h2')),
          pick('star', starLabel, ['width', 'height']),
          pick('star icon', starLabel.querySelector('svg'), ['width', 'height', 'fill', 'stroke']),
          pick('follow-up fieldset', option.closest('fieldset')),
          pick('follow-up legend', option.closest('fieldset').querySelector('legend')),
          pick('option', option, ['width', 'height']),
          pick('option label', form.querySelector(`label[for="${option.id}"]`)),
          pick('submit button', button),
        ]);
      });
    const hostile = await measure();
    await screenshot(record, 'inail-hostile-css-on', widget.form);
    await record.page.evaluate(() => {
      document.getElementById('tema-portale').disabled = true;
    });
    const plain = await measure();
    await screenshot(record, 'inail-hostile-css-off', widget.form);
    assert.deepEqual(hostile, plain, 'the widget looks the same with and without the portal theme');
    await record.context.close();
  });

  test('the page on an unregistered origin shows the polite unavailable state and stores nothing', async () => {
    const before = countResponses(stack.collector);
    const record = await visit(stack, 'other', {
      // The collector refuses the form for this origin: the browser reports the refused request.
      allowConsole: [/status of 403/, /blocked by CORS policy/, /Failed to load resource/],
    });
    const widget = new Widget(record);
    await widget.section.scrollIntoViewIfNeeded();
    await widget.waitForStatus(UI.unavailable);
    await screenshot(record, 'other-unavailable', widget.section);
    assert.equal(await widget.form.getByRole('radio').count(), 0, 'no star is offered');
    assert.equal(await widget.form.getByRole('button').count(), 0, 'no button is offered');
    assert.equal(record.requests.filter((r) => r.method === 'POST').length, 0, 'nothing is sent');
    await assertClean(record);
    await record.context.close();
    assert.equal(countResponses(stack.collector), before, 'no response is stored');
  });

  test('no example page breaks its Content-Security-Policy, logs an error, or leaves a cookie or storage entry', async () => {
    for (const site of ['inps', 'inail', 'roma']) {
      const record = await visit(stack, site);
      const widget = await new Widget(record).waitForForm();
      await widget.clickStar(3);
      await widget.expectFollowUp('negative');
      await record.page.waitForLoadState('networkidle');
      await assertClean(record);
      await record.context.close();
    }
  });
});
