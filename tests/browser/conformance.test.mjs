// A reproduction of the national checker (the "App di valutazione", shared/domain/
// comuni-conformance.md) against the Roma Capitale page in conformance mode: load, wait for network
// idle, read the serialized DOM without scrolling, check the markup, then click each star with a
// real 200 ms mouse press and check which follow-up is visible. A municipality whose page fails
// here would fail its audit.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CHIAREZZA, NEGATIVE, POSITIVE } from './lib/catalog.mjs';
import { SITES, Stack } from './lib/harness.mjs';
import { screenshot } from './lib/visit.mjs';

const stack = new Stack('conformance');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** What the checker reads: the static markup of `page.content()`, parsed with scripts off. */
async function parseLikeTheChecker(html) {
  const context = await stack.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.setContent(html, { waitUntil: 'domcontentloaded' });
  const found = await page.evaluate(() => {
    const all = (root, s) => [...root.querySelectorAll(s)];
    const text = (el) => (el?.textContent ?? '').trim().replace(/\s+/g, ' ');
    const feedback = all(document, '[data-element="feedback"]');
    const root = feedback[0] ?? document.createElement('div');
    const fieldset = (direction) => {
      const sets = all(root, `[data-element="feedback-rating-${direction}"]`);
      return {
        count: sets.length,
        tag: sets[0]?.tagName ?? null,
        questions: all(sets[0] ?? document.createElement('div'), '[data-element="feedback-rating-question"]').map(text),
        answers: all(sets[0] ?? document.createElement('div'), '[data-element="feedback-rating-answer"]').map(text),
      };
    };
    const inputs = all(root, '[data-element="feedback-input-text"]');
    return {
      feedback: feedback.length,
      titles: all(root, '[data-element="feedback-title"]').map(text),
      rates: [1, 2, 3, 4, 5].map((n) => all(root, `[data-element="feedback-rate-${n}"]`).length),
      positive: fieldset('positive'),
      negative: fieldset('negative'),
      inputs: inputs.map((el) => ({ tag: el.tagName, type: el.getAttribute('type') })),
    };
  });
  await context.close();
  return found;
}

/** The checker's idea of visible: display, visibility, opacity, and a box. */
function visibilityOf(page, direction) {
  return page.evaluate((direction) => {
    const el = document.querySelector(`[data-element="feedback-rating-${direction}"]`);
    if (!el) return { present: false, visible: false };
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const text = (e) => (e?.textContent ?? '').trim().replace(/\s+/g, ' ');
    return {
      present: true,
      visible: style.display !== 'none' && style.visibility !== 'hidden' && style.opacity !== '0' && box.width > 0 && box.height > 0,
      question: text(el.querySelector('[data-element="feedback-rating-question"]')),
      answers: [...el.querySelectorAll('[data-element="feedback-rating-answer"]')].map(text),
    };
  }, direction);
}

/** A real mouse click on the element's centre with a 200 ms press, as Puppeteer's click does. */
async function pressLikeTheChecker(page, selector) {
  const handle = await page.$(selector);
  assert.ok(handle, `${selector} is on the page`);
  // Puppeteer's ElementHandle.click brings the element into view before pressing, as here.
  await handle.scrollIntoViewIfNeeded();
  const box = await handle.boundingBox();
  assert.ok(box && box.width > 0 && box.height > 0, `${selector} has a box to click`);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const hit = await page.evaluate(
    ([x, y, selector]) => {
      const target = document.elementFromPoint(x, y);
      const el = document.querySelector(selector);
      return Boolean(target && (el === target || el.contains(target)));
    },
    [x, y, selector],
  );
  assert.ok(hit, `${selector} is what receives a click at its centre (not covered, not hidden)`);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await new Promise((resolve) => setTimeout(resolve, 200)); // The checker's press lasts 200 ms.
  await page.mouse.up();
}

describe('the Roma Capitale page passes the national checker', { timeout: 300_000 }, () => {
  let context;
  let page;
  let markup;

  before(async () => {
    context = await stack.browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(`${SITES.roma}/`, { waitUntil: 'networkidle' });
    markup = await parseLikeTheChecker(await page.content());
  });
  after(() => context?.close());

  test('the rendered markup at network idle holds exactly one feedback component', () => {
    assert.equal(markup.feedback, 1, 'exactly one data-element="feedback", in the light DOM, without scrolling');
  });

  test('the component is titled with the catalog question for information pages', () => {
    assert.deepEqual(markup.titles, [CHIAREZZA.title]);
  });

  test('the component has one star for each rating from 1 to 5', () => {
    assert.deepEqual(markup.rates, [1, 1, 1, 1, 1]);
  });

  test('both follow-up fieldsets are in the DOM from the start, with the catalog questions and answers', () => {
    for (const [direction, expected] of [['positive', POSITIVE], ['negative', NEGATIVE]]) {
      const found = markup[direction];
      assert.equal(found.count, 1, `exactly one feedback-rating-${direction}`);
      assert.equal(found.tag, 'FIELDSET', `feedback-rating-${direction} is a fieldset`);
      assert.deepEqual(found.questions, [expected.question], `the ${direction} question`);
      const allowed = Object.values(expected.answers).map((a) => a.toLowerCase());
      assert.ok(found.answers.length > 0, `the ${direction} answers are marked`);
      for (const answer of found.answers) assert.ok(allowed.includes(answer.toLowerCase()), `"${answer}" is a ${direction} answer of the catalog`);
    }
  });

  test('the free text is exactly one input of type text', () => {
    assert.deepEqual(markup.inputs, [{ tag: 'INPUT', type: 'text' }]);
  });

  test('clicking each star shows the negative fieldset for 1 to 3 and the positive one for 4 and 5', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      await pressLikeTheChecker(page, `[data-element="feedback-rate-${n}"]`);
      const shown = n <= 3 ? 'negative' : 'positive';
      const other = n <= 3 ? 'positive' : 'negative';
      const expected = n <= 3 ? NEGATIVE : POSITIVE;
      const visible = await visibilityOf(page, shown);
      const hidden = await visibilityOf(page, other);
      assert.equal(visible.visible, true, `after rate ${n} the ${shown} fieldset is visible`);
      assert.equal(hidden.present, true, `after rate ${n} the ${other} fieldset is still in the DOM`);
      assert.equal(hidden.visible, false, `after rate ${n} the ${other} fieldset is not visible`);
      assert.equal(visible.question, expected.question);
      const allowed = Object.values(expected.answers).map((a) => a.toLowerCase());
      for (const answer of visible.answers) assert.ok(allowed.includes(answer.toLowerCase()), `"${answer}" after rate ${n}`);
      await screenshot({ page }, `conformance-after-rate-${n}`, page.locator('[data-element="feedback"]'));
    }
  });

  test('the page sets no cookie', async () => {
    assert.deepEqual(await context.cookies(), []);
  });
});
