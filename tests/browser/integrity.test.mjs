// Subresource Integrity: the loader pins the wasm-bindgen glue (an integrity attribute on its script
// element) and the .wasm (fetch with `integrity`). A file modified between the collector and the
// browser is refused by the browser itself: the widget never starts, says so with `voce:error`,
// shows no form and sends nothing. The files are modified by Playwright's request interception
// (`context.route`), which fetches the real file from the collector and serves it changed; the
// positive control serves the same files through the same route unchanged, and they load.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { countResponses } from './lib/database.mjs';
import { COLLECTOR, Stack, WIDGET_DIR } from './lib/harness.mjs';
import { assertClean, eventsOf, screenshot, visit, waitForEvent } from './lib/visit.mjs';
import { Widget } from './lib/widget.mjs';

const stack = new Stack('integrity');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** The built files, by role, as `cargo xtask widget` recorded them (name, bytes, integrity). */
const MANIFEST = JSON.parse(readFileSync(path.join(WIDGET_DIR, 'manifest.json'), 'utf8'));
const file = (role) => {
  const found = MANIFEST.files.find((f) => f.role === role);
  assert.ok(found, `the widget manifest lists the ${role} file`);
  return found;
};
const GLUE = file('glue');
const WASM = file('wasm');

const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/**
 * Chromium's console messages for a resource whose digest does not match its integrity metadata:
 * the digest report (script elements and fetch) and, for `fetch`, the refused load.
 */
const INTEGRITY_REFUSED = /Failed to find a valid digest in the 'integrity' attribute|SRI's integrity checks failed/;

/** One byte of the middle of the file, flipped: the smallest modification there is. */
const flipOneByte = (bytes) => {
  const copy = Buffer.from(bytes);
  copy[copy.length >> 1] ^= 0x01;
  return copy;
};

/** Valid JavaScript that would run if the browser accepted it: a supply-chain payload, in short. */
const appendPayload = (bytes) => Buffer.concat([bytes, Buffer.from('\n;window.__voceTampered = true;\n')]);

/**
 * Routes the widget asset `asset` through the test: the real file is fetched from the collector
 * and served with `change` applied (or unchanged). Returns what was served, for the assertions.
 */
async function serveThrough(context, asset, change = (bytes) => bytes) {
  const served = [];
  await context.route(`${COLLECTOR}/widget/v1/${asset.name}`, async (route) => {
    const response = await route.fetch();
    const original = await response.body();
    const body = change(original);
    // The body is already decoded: the headers must not claim an encoding or the old length.
    const headers = { ...response.headers() };
    delete headers['content-encoding'];
    delete headers['content-length'];
    served.push({ status: response.status(), original: sri(original), served: sri(body), bytes: body.length });
    await route.fulfill({ status: response.status(), headers, body });
  });
  return served;
}

/** Scrolls to the placement (isolated mode loads only then) and waits for the widget's verdict. */
async function waitForLoadFailure(record) {
  const widget = new Widget(record);
  await widget.section.scrollIntoViewIfNeeded();
  return { widget, error: await waitForEvent(record, 'voce:error') };
}

/** Asserts a refused load: no ready, a load-failed error, no form, no request to send, nothing stored. */
async function expectRefused(record, widget, error, asset, storedBefore) {
  assert.equal(error.detail?.code, 'load-failed', 'the widget reports that it could not load');
  assert.equal(error.detail?.service, 'inail-denuncia-infortunio-info', 'the error names the placement\'s service');
  await record.page.waitForLoadState('networkidle');
  assert.equal(eventsOf(record, 'voce:ready').length, 0, 'the widget never becomes ready');
  assert.equal(await widget.form.count(), 0, 'no form is shown');
  assert.equal(await widget.section.getByRole('radio').count(), 0, 'no star is offered');
  assert.equal(await record.page.evaluate(() => window.__voceTampered === true), false, 'no byte of the modified file ran');
  const refusals = record.console.filter((text) => INTEGRITY_REFUSED.test(text));
  assert.ok(
    refusals.some((text) => text.includes(asset.name)),
    `the browser reports the integrity failure of ${asset.name}; console errors: ${JSON.stringify(record.console)}`,
  );
  assert.equal(record.requests.filter((r) => r.method === 'POST').length, 0, 'nothing is sent');
  await assertClean(record);
  assert.equal(countResponses(stack.collector), storedBefore, 'nothing is stored');
}

describe('Subresource Integrity refuses a modified widget file', { timeout: 300_000 }, () => {
  test('the untampered glue and wasm, served through the same interception, load and the widget becomes ready', async () => {
    let glue;
    let wasm;
    const record = await visit(stack, 'inail', {
      beforeLoad: async (context) => {
        glue = await serveThrough(context, GLUE);
        wasm = await serveThrough(context, WASM);
      },
    });
    try {
      const widget = await new Widget(record).waitForForm();
      await waitForEvent(record, 'voce:ready');
      assert.equal(eventsOf(record, 'voce:error').length, 0, 'no voce:error event');
      assert.deepEqual(glue.map((s) => [s.status, s.served]), [[200, GLUE.integrity]], 'the glue went through the route once, byte for byte');
      assert.deepEqual(wasm.map((s) => [s.status, s.served]), [[200, WASM.integrity]], 'the wasm went through the route once, byte for byte');
      const pinned = await record.page.evaluate((name) => {
        const script = [...document.scripts].find((s) => s.src.endsWith(`/${name}`));
        return script ? { integrity: script.integrity, crossOrigin: script.crossOrigin } : null;
      }, GLUE.name);
      assert.deepEqual(pinned, { integrity: GLUE.integrity, crossOrigin: 'anonymous' }, 'the glue script element carries the manifest\'s integrity');
      assert.equal(await widget.star(1).count(), 1, 'the form is there');
      await assertClean(record);
    } finally {
      await record.context.close();
    }
  });

  test('a .wasm with one byte flipped is refused by the browser: no ready, voce:error, no form, nothing stored', async () => {
    const storedBefore = countResponses(stack.collector);
    let wasm;
    const record = await visit(stack, 'inail', {
      allowConsole: [INTEGRITY_REFUSED],
      beforeLoad: async (context) => {
        wasm = await serveThrough(context, WASM, flipOneByte);
      },
    });
    try {
      const { widget, error } = await waitForLoadFailure(record);
      assert.equal(wasm.length, 1, 'the wasm was requested once, through the route');
      assert.equal(wasm[0].original, WASM.integrity, 'the collector sent the real file');
      assert.notEqual(wasm[0].served, WASM.integrity, 'the browser got a different file');
      assert.equal(wasm[0].bytes, WASM.bytes, 'of the same length');
      await screenshot(record, 'integrity-wasm-refused', widget.section);
      await expectRefused(record, widget, error, WASM, storedBefore);
    } finally {
      await record.context.close();
    }
  });

  test('a glue .js with a payload appended is refused by the browser and never runs', async () => {
    const storedBefore = countResponses(stack.collector);
    let glue;
    let wasm;
    const record = await visit(stack, 'inail', {
      allowConsole: [INTEGRITY_REFUSED],
      beforeLoad: async (context) => {
        glue = await serveThrough(context, GLUE, appendPayload);
        wasm = await serveThrough(context, WASM);
      },
    });
    try {
      const { widget, error } = await waitForLoadFailure(record);
      assert.equal(glue.length, 1, 'the glue was requested once, through the route');
      assert.equal(glue[0].original, GLUE.integrity, 'the collector sent the real file');
      assert.notEqual(glue[0].served, GLUE.integrity, 'the browser got a different file');
      assert.equal(wasm.length, 0, 'the wasm is never fetched without its glue');
      await screenshot(record, 'integrity-glue-refused', widget.section);
      await expectRefused(record, widget, error, GLUE, storedBefore);
    } finally {
      await record.context.close();
    }
  });

  test('a glue .js with one byte flipped is refused by the browser too', async () => {
    const storedBefore = countResponses(stack.collector);
    const record = await visit(stack, 'inail', {
      allowConsole: [INTEGRITY_REFUSED],
      beforeLoad: (context) => serveThrough(context, GLUE, flipOneByte),
    });
    try {
      const { widget, error } = await waitForLoadFailure(record);
      await expectRefused(record, widget, error, GLUE, storedBefore);
    } finally {
      await record.context.close();
    }
  });
});
