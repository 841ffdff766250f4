// What axe cannot see, measured in real flows on the INAIL page (isolated mode, open shadow root):
// the status region announces the confirmation once; at 200% zoom the citizen completes the form
// and nothing of the widget overflows; every Tab stop shows its focus; and with
// prefers-reduced-motion nothing in the widget moves.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CONFIRMATION, DETAILS, NEGATIVE, POSITIVE, UI, star } from './lib/catalog.mjs';
import { countResponses, responsesOf } from './lib/database.mjs';
import { Stack } from './lib/harness.mjs';
import { assertClean, screenshot, visit, waitForEvent } from './lib/visit.mjs';
import { Widget, focusIndicator, focused, motionIn, pick, tabTo } from './lib/widget.mjs';

const stack = new Stack('accessibility-flows');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

const SERVICE = 'inail-denuncia-infortunio-info';

/** The live regions a screen reader follows: role="status" or aria-live="polite". */
const LIVE = '[role="status"], [aria-live="polite"]';

/** How long the status region is watched after the confirmation, for a second announcement. */
const OBSERVE_AFTER_CONFIRMATION_MS = 1_000;

/** Runs `flow` with a visit whose context is closed whatever happens. */
async function withVisit(site, options, flow) {
  const record = await visit(stack, site, options);
  try {
    return await flow(record);
  } finally {
    await record.context.close();
  }
}

describe('the widget works for citizens who rely on more than axe checks', { timeout: 300_000 }, () => {
  test('the status region announces the confirmation exactly once', async () => {
    const before = countResponses(stack.collector, SERVICE);
    await withVisit('inail', {}, async (record) => {
      const widget = await new Widget(record).waitForForm();
      await widget.clickStar(4);
      await pick(widget.followUp('positive'), POSITIVE.answers['indicazioni-chiare']);
      await widget.button(UI.next).click();
      await widget.details.fill('Annuncio della conferma.');

      // From before Invia: every text each live region of the widget takes, in order, and which
      // region it was. The whole widget root is watched, so a region replaced by a new one shows.
      const liveRegionsBefore = await widget.form.evaluate((form, selector) => {
        const root = form.getRootNode();
        const regions = () => [...root.querySelectorAll(selector)];
        const known = new Map(regions().map((el, i) => [el, i]));
        const log = [];
        const last = new Map(regions().map((el) => [el, el.textContent]));
        const observer = new MutationObserver(() => {
          for (const el of regions()) {
            if (!known.has(el)) known.set(el, known.size);
            if (last.get(el) !== el.textContent) {
              last.set(el, el.textContent);
              log.push({ region: known.get(el), text: el.textContent.trim(), at: performance.now() });
            }
          }
        });
        observer.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
        window.__voceLiveLog = { log, observer, first: regions()[0] ?? null };
        return regions().map((el) => el.textContent.trim());
      }, LIVE);
      assert.equal(liveRegionsBefore.length, 1, `one live region before sending (texts: ${JSON.stringify(liveRegionsBefore)})`);
      assert.ok(!liveRegionsBefore[0].includes(CONFIRMATION), 'the confirmation is not there before sending');

      await widget.button(UI.send).click();
      await widget.waitForConfirmation();
      await waitForEvent(record, 'voce:submitted');
      // A bounded observation window, not a wait for a condition: a second announcement would
      // come in it. The watch goes on while the page idles, then stops.
      const { changes, after: afterConfirmation } = await record.page.evaluate(async ([selector, ms]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        const { log, observer, first } = window.__voceLiveLog;
        observer.disconnect();
        const root = first?.getRootNode();
        const regions = [...root.querySelectorAll(selector)];
        return {
          changes: log.map(({ region, text }) => ({ region, text })),
          after: { count: regions.length, texts: regions.map((el) => el.textContent.trim()), sameRegion: regions[0] === first },
        };
      }, [LIVE, OBSERVE_AFTER_CONFIRMATION_MS]);
      await screenshot(record, 'announce-confirmation', widget.form);

      assert.equal(afterConfirmation.count, 1, `exactly one live region in the widget after sending (texts: ${JSON.stringify(afterConfirmation.texts)})`);
      assert.equal(afterConfirmation.texts[0], CONFIRMATION, 'the live region holds the confirmation and nothing else');
      assert.equal(afterConfirmation.sameRegion, true, 'the confirmation is written into the region that was already there (a new region is not announced)');
      const toConfirmation = changes.filter((c) => c.text.includes(CONFIRMATION));
      assert.equal(toConfirmation.length, 1, `exactly one text change announces the confirmation; changes: ${JSON.stringify(changes)}`);
      assert.deepEqual(changes.at(-1), toConfirmation[0], `no text change after the confirmation; changes: ${JSON.stringify(changes)}`);
      assert.ok(changes.every((c) => c.region === 0), `every change is in the one region; changes: ${JSON.stringify(changes)}`);
      await assertClean(record);
    });
    assert.equal(countResponses(stack.collector, SERVICE), before + 1, 'one response is stored');
  });

  test('at 200% zoom (640 CSS px at scale 2) a citizen completes the INAIL flow with the mouse and nothing overflows', async () => {
    const text = 'Letto e inviato con lo zoom al 200%.';
    const before = countResponses(stack.collector, SERVICE);
    await withVisit('inail', { viewport: { width: 640, height: 800 }, deviceScaleFactor: 2 }, async (record) => {
      const { page } = record;
      assert.deepEqual(
        await page.evaluate(() => [window.innerWidth, window.devicePixelRatio]),
        [640, 2],
        'the page sees a 640 CSS px window at twice the pixel density',
      );
      const widget = await new Widget(record).waitForForm();
      const host = await widget.host();
      const expectNoOverflow = async (state) => {
        const result = await host.evaluate((host) => {
          const edge = host.getBoundingClientRect().right;
          const root = host.shadowRoot ?? host;
          const over = [];
          for (const el of root.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue; // Not rendered (hidden branch).
            if (box.right > edge + 0.5) {
              const cls = typeof el.className === 'string' ? el.className : el.getAttribute('class') ?? '';
              over.push(`${el.tagName.toLowerCase()}${cls ? '.' + cls.trim().split(/\s+/).join('.') : ''} right ${box.right} "${el.textContent.trim().slice(0, 40)}"`);
            }
          }
          const doc = document.documentElement;
          return {
            hostRight: edge,
            viewport: doc.clientWidth,
            scrollWidth: doc.scrollWidth,
            over,
          };
        });
        await screenshot(record, `zoom-200-${state}`, widget.section);
        assert.deepEqual(result.over, [], `${state}: widget elements past the placement's right edge (${result.hostRight})`);
        assert.ok(result.hostRight <= result.viewport, `${state}: the placement (right ${result.hostRight}) fits the viewport (${result.viewport})`);
        assert.ok(
          result.scrollWidth <= result.viewport,
          `${state}: no horizontal scrollbar on the document (scrollWidth ${result.scrollWidth} > ${result.viewport})`,
        );
      };

      await expectNoOverflow('initial');
      await widget.clickStar(2);
      await widget.expectFollowUp('negative');
      await expectNoOverflow('follow-up');
      await pick(widget.followUp('negative'), NEGATIVE.answers['non-capivo-se-procedevo']);
      await widget.button(UI.next).click();
      await widget.details.fill(text);
      await expectNoOverflow('free-text');
      await widget.button(UI.send).click();
      await widget.waitForConfirmation();
      await expectNoOverflow('confirmation');
      await assertClean(record);
    });
    assert.equal(countResponses(stack.collector, SERVICE), before + 1, 'one response is stored');
    const stored = responsesOf(stack.collector, SERVICE).filter((r) => r.free_texts.some((t) => t.text === text));
    assert.equal(stored.length, 1, 'the zoomed answer is stored once');
    assert.deepEqual([stored[0].valutazione, stored[0].answers.difficolta], [2, 'non-capivo-se-procedevo']);
  });

  test('every Tab stop inside the widget shows a visible focus indicator during the keyboard flow', async () => {
    const before = countResponses(stack.collector, SERVICE);
    await withVisit('inail', {}, async (record) => {
      const { page } = record;
      const widget = await new Widget(record).waitForForm();
      await waitForEvent(record, 'voce:ready');
      const stops = [];
      const expectVisibleFocus = async (how) => {
        const now = await focused(page);
        if (!now?.inWidget) return;
        const indicator = await focusIndicator(page);
        stops.push({ how, ...indicator });
        assert.ok(indicator, `${how}: something is focused`);
        assert.equal(
          indicator.visible,
          true,
          `${how}: the focus on ${indicator.focused} "${indicator.name}" is visible (drawn on ${indicator.on}): ${JSON.stringify(indicator)}`,
        );
      };
      const onStop = () => expectVisibleFocus('Tab');

      await page.locator('#torna-su').focus();
      const first = await tabTo(page, (f) => f.inWidget && f.type === 'radio', 'the star rating', { onStop });
      assert.equal(first.name, star(1));
      await page.keyboard.press('ArrowRight');
      await expectVisibleFocus('ArrowRight on the stars');
      await widget.expectFollowUp('negative');

      await tabTo(page, (f) => f.type === 'radio' && Object.values(NEGATIVE.answers).includes(f.name), 'the follow-up', { onStop });
      await page.keyboard.press('ArrowDown');
      await expectVisibleFocus('ArrowDown in the follow-up');
      await tabTo(page, (f) => f.tag === 'button' && f.name === UI.next, `the ${UI.next} button`, { onStop });
      await page.keyboard.press('Enter');
      await widget.details.waitFor();
      const isText = (f) => f.tag === 'input' && f.type === 'text' && f.name === DETAILS.label;
      if (isText(await focused(page))) await expectVisibleFocus(`Enter on ${UI.next}`);
      else await tabTo(page, isText, 'the free text', { shift: true, max: 4, onStop: () => expectVisibleFocus('Shift+Tab') });
      await page.keyboard.type('Il fuoco si vede sempre.');
      await tabTo(page, (f) => f.tag === 'button' && f.name === UI.send, `the ${UI.send} button`, { max: 4, onStop });
      await screenshot(record, 'focus-visible-send', widget.form);
      await page.keyboard.press('Enter');
      await widget.waitForConfirmation();

      const byTab = stops.filter((s) => s.how === 'Tab');
      assert.ok(byTab.length >= 4, `the flow made at least four Tab stops in the widget: ${JSON.stringify(stops)}`);
      assert.ok(
        stops.some((s) => s.on !== 'itself') && stops.some((s) => s.on === 'itself'),
        'both kinds of stop were checked: a star (drawn on its label) and a visible control',
      );
      await assertClean(record);
    });
    assert.equal(countResponses(stack.collector, SERVICE), before + 1, 'one response is stored');
  });

  test('with prefers-reduced-motion: reduce, nothing in the widget has a transition or an animation', async (t) => {
    const measure = async (reducedMotion) =>
      withVisit('inail', { reducedMotion }, async (record) => {
        const reduce = await record.page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches);
        const widget = await new Widget(record).waitForForm();
        const states = {};
        states.initial = await motionIn(widget);
        await widget.form.locator(`label[for="${await widget.star(3).getAttribute('id')}"]`).hover();
        states.hover = await motionIn(widget);
        await widget.clickStar(5);
        await widget.expectFollowUp('positive');
        states['follow-up'] = await motionIn(widget);
        await pick(widget.followUp('positive'), POSITIVE.answers['capivo-come-procedere']);
        await widget.button(UI.next).click();
        await widget.details.waitFor();
        states['free-text'] = await motionIn(widget);
        await assertClean(record);
        return { reduce, states };
      });

    const plain = await measure('no-preference');
    assert.equal(plain.reduce, false, 'without the preference the page does not match prefers-reduced-motion: reduce');
    for (const [state, { checked, moving }] of Object.entries(plain.states)) {
      t.diagnostic(`without the preference, ${state}: ${moving.length} of ${checked} elements move: ${JSON.stringify(moving)}`);
    }

    const reduced = await measure('reduce');
    assert.equal(reduced.reduce, true, 'the context emulates prefers-reduced-motion: reduce');
    for (const [state, { checked, moving }] of Object.entries(reduced.states)) {
      assert.ok(checked > 10, `${state}: the widget's elements were measured (${checked})`);
      assert.deepEqual(moving, [], `${state}: elements with a non-zero transition or animation duration under reduced motion`);
    }
  });
});
