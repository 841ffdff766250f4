// The widget as a citizen and an assistive technology see it: found by roles and accessible names
// (Playwright's locators pierce open shadow roots), never by the widget's private class names.

import assert from 'node:assert/strict';

import { CONFIRMATION, DETAILS, NEGATIVE, POSITIVE, UI, star } from './catalog.mjs';

export class Widget {
  constructor(record) {
    this.record = record;
    this.page = record.page;
    // The form carries data-element="feedback" in both modes (the checker's contract).
    this.form = this.page.locator('[data-element="feedback"]');
    // Every example page wraps its placement in #valutazione.
    this.section = this.page.locator('#valutazione');
  }

  /** Scrolls the placement into view (isolated mode loads only then) and waits for the rating. */
  async waitForForm() {
    await this.section.scrollIntoViewIfNeeded();
    await this.form.getByRole('radio').first().waitFor({ state: 'attached' });
    return this;
  }

  /** Asserts the five stars are radios named "Valuta N stelle su 5", in order. */
  async expectNamedStars() {
    for (const n of [1, 2, 3, 4, 5]) {
      assert.equal(await this.star(n).count(), 1, `one radio has the accessible name "${star(n)}"`);
    }
  }

  /** The placement element (the shadow host in isolated mode). */
  async host() {
    return this.form.evaluateHandle((form) => {
      const root = form.getRootNode();
      return root instanceof ShadowRoot ? root.host : (form.closest('voce-feedback') ?? form.parentElement);
    });
  }

  /** Whether the form lives in an open shadow root. */
  async inShadowRoot() {
    return this.form.evaluate((form) => form.getRootNode() instanceof ShadowRoot);
  }

  /** The radio of star `n`, found by its accessible name "Valuta N stelle su 5". */
  star(n) {
    return this.form.getByRole('radio', { name: star(n), exact: true });
  }

  /** Clicks the visible star `n` with the mouse: the label of the radio named "Valuta N stelle su 5". */
  async clickStar(n) {
    const id = await this.star(n).getAttribute('id');
    assert.ok(id, `the radio "${star(n)}" has an id its visible star can point at`);
    await this.form.locator(`label[for="${id}"]`).click();
  }

  /** The follow-up group the rating shows, by its legend. */
  followUp(direction) {
    return this.form.getByRole('group', { name: direction === 'positive' ? POSITIVE.question : NEGATIVE.question, exact: true });
  }

  /** Chooses an answer inside a visible group by clicking its label text. */
  async choose(group, label) {
    await group.getByText(label, { exact: true }).click();
  }

  button(name) {
    return this.form.getByRole('button', { name, exact: true });
  }

  get details() {
    return this.form.getByRole('textbox', { name: DETAILS.label, exact: true });
  }

  get status() {
    return this.form.getByRole('status');
  }

  /** Waits until the status region says `text` (a substring). */
  async waitForStatus(text, timeout = 15_000) {
    await this.form.getByRole('status').filter({ hasText: text }).waitFor({ timeout });
  }

  async waitForConfirmation(timeout = 15_000) {
    await this.waitForStatus(CONFIRMATION, timeout);
  }

  /** The personal-data warning under the free text. */
  get personalDataWarning() {
    return this.form.getByText(UI.personalData);
  }

  /** Asserts the follow-up for `direction` is shown and the other one is not. */
  async expectFollowUp(direction) {
    await this.followUp(direction).waitFor({ state: 'visible' });
    const other = direction === 'positive' ? 'negative' : 'positive';
    await this.followUp(other).waitFor({ state: 'hidden' });
    assert.equal(await this.followUp(other).count(), 0, `the ${other} follow-up is not offered`);
  }
}

/** What the focused element is, looking through shadow roots. */
export async function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    const label = el.labels?.[0]?.textContent?.trim() ?? '';
    return {
      tag: el.tagName.toLowerCase(),
      type: el.getAttribute('type') ?? '',
      name: el.getAttribute('aria-label') ?? (label || el.textContent?.trim() || ''),
      checked: el.checked ?? null,
      value: el.value ?? null,
      inWidget: Boolean(el.closest('[data-element="feedback"]')),
      focusVisible: el.matches(':focus-visible'),
    };
  });
}

/**
 * Presses Tab until the focused element satisfies `wanted`, at most `max` times, and returns it:
 * proves it is reachable by keyboard from where the focus is, without a trap.
 */
export async function tabTo(page, wanted, what, { max = 8, shift = false } = {}) {
  const seen = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    seen.push(now ? `${now.tag}[${now.type}] "${now.name}"` : 'nothing');
    if (now && wanted(now)) return now;
  }
  assert.fail(`${what} was not reached with ${max} presses of ${shift ? 'Shift+Tab' : 'Tab'}; focus went through: ${seen.join(' → ')}`);
}

/**
 * Picks the radio named `name` (a string, exact, or a RegExp) inside `group` by clicking its label,
 * as a mouse user does.
 */
export async function pick(group, name) {
  const radio = group.getByRole('radio', typeof name === 'string' ? { name, exact: true } : { name });
  const id = await radio.getAttribute('id');
  assert.ok(id, `the radio ${name} has a label to click`);
  await group.locator(`label[for="${id}"]`).click();
  assert.equal(await radio.isChecked(), true, `${name} is chosen`);
}
