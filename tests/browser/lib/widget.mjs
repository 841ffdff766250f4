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
 * proves it is reachable by keyboard from where the focus is, without a trap. `onStop(focused)`
 * runs at every stop on the way (the wanted one included).
 */
export async function tabTo(page, wanted, what, { max = 8, shift = false, onStop } = {}) {
  const seen = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (onStop) await onStop(now);
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

/**
 * How the focused element (looked up through shadow roots) shows its focus: its computed
 * `outline-style`, `outline-width` and `box-shadow`. A control that is visually hidden (the star
 * radios: 1 px, clipped) cannot show anything itself, so there the indicator must be on what the
 * citizen sees of it, its label. `visible` says whether that element draws an outline (style not
 * `none`, width > 0) or a box shadow, and is itself on screen with a real box.
 */
export async function focusIndicator(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === document.body) return null;
    const hidden = (node) => {
      const style = getComputedStyle(node);
      const box = node.getBoundingClientRect();
      return box.width <= 1 || box.height <= 1 || style.clipPath !== 'none' || style.visibility !== 'visible';
    };
    const drawn = hidden(el) ? el.labels?.[0] ?? null : el;
    const describe = (node) => `${node.tagName.toLowerCase()}${node.id ? '#' + node.id : ''}${node.className ? '.' + String(node.className).trim().split(/\s+/).join('.') : ''}`;
    const name = el.getAttribute('aria-label') ?? (el.labels?.[0]?.textContent?.trim() || el.textContent?.trim() || el.getAttribute('type') || '');
    if (!drawn) return { focused: describe(el), name, on: null, visible: false, why: 'visually hidden and without a label' };
    const style = getComputedStyle(drawn);
    const box = drawn.getBoundingClientRect();
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    return {
      focused: describe(el),
      name,
      on: drawn === el ? 'itself' : `its label ${describe(drawn)}`,
      outlineStyle: style.outlineStyle,
      outlineWidth: style.outlineWidth,
      outlineColor: style.outlineColor,
      boxShadow: style.boxShadow,
      box: { width: box.width, height: box.height },
      visible: (outline || shadow) && !hidden(drawn),
    };
  });
}

/**
 * Every element of the widget (the shadow host, its shadow tree or the light-DOM form, and their
 * ::before and ::after) whose computed `transition-duration` or `animation-duration` is not zero.
 */
export async function motionIn(widget) {
  const host = await widget.host();
  return host.evaluate((host) => {
    const seconds = (value) =>
      value.split(',').map((v) => v.trim()).map((v) => (v.endsWith('ms') ? parseFloat(v) / 1000 : parseFloat(v)) || 0);
    const root = host.shadowRoot ?? host;
    const elements = [host, ...root.querySelectorAll('*')];
    const moving = [];
    for (const el of elements) {
      for (const pseudo of [null, '::before', '::after']) {
        const style = getComputedStyle(el, pseudo);
        if (pseudo && (style.content === 'none' || style.content === 'normal')) continue;
        const transition = style.transitionDuration;
        const animation = style.animationDuration;
        if (seconds(transition).some((s) => s > 0) || seconds(animation).some((s) => s > 0)) {
          const cls = typeof el.className === 'string' ? el.className : el.getAttribute('class') ?? '';
          moving.push({
            element: `${el.tagName.toLowerCase()}${cls ? '.' + cls.trim().split(/\s+/).join('.') : ''}${pseudo ?? ''}`,
            transition: `${style.transitionProperty} ${transition}`,
            animation: `${style.animationName} ${animation}`,
          });
        }
      }
    }
    return { checked: elements.length, moving };
  });
}
