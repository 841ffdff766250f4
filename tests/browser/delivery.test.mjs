// What a citizen's browser is actually sent: the collector negotiates the precompressed copies
// `cargo xtask widget` writes, so the bytes on the wire for the loader, the glue and the
// WebAssembly (the browser's own resource timing, `encodedBodySize`) are the brotli files the size
// budget measures, and they fit in it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Stack, WIDGET_DIR } from './lib/harness.mjs';
import { assertClean, visit, waitForEvent } from './lib/visit.mjs';
import { Widget } from './lib/widget.mjs';

const stack = new Stack('delivery');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

/** Loader + glue + wasm, brotli (the budget of `cargo xtask widget --check-budget`). */
const BUDGET = 80 * 1024;
const MANIFEST = JSON.parse(readFileSync(path.join(WIDGET_DIR, 'manifest.json'), 'utf8'));

test('the loader, glue and wasm arrive brotli-encoded and their transferred bytes fit the 80 KiB budget', async () => {
  // The responses are kept as they come, from before the page loads (the widget may fetch its
  // glue as soon as the page is there), and their headers read at the end: reading them in the
  // listener raced with the assertions below.
  const responses = new Map();
  const record = await visit(stack, 'inps', {
    beforeLoad: (context) =>
      context.on('response', (response) => {
        if (response.url().includes('/widget/v1/')) {
          responses.set(new URL(response.url()).pathname.split('/').pop(), response);
        }
      }),
  });
  const widget = new Widget(record);
  await widget.section.scrollIntoViewIfNeeded();
  await waitForEvent(record, 'voce:ready');

  const entries = await record.page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/widget/v1/'))
      .map((e) => ({ file: new URL(e.name).pathname.split('/').pop(), encoded: e.encodedBodySize, decoded: e.decodedBodySize })),
  );
  let total = 0;
  for (const role of ['loader', 'glue', 'wasm']) {
    const built = MANIFEST.files.find((f) => f.role === role);
    assert.ok(built, `the manifest lists the ${role}`);
    const entry = entries.find((e) => e.file === built.name);
    assert.ok(entry, `the page fetched the ${role} (${built.name}); fetched: ${JSON.stringify(entries)}`);
    assert.equal(entry.decoded, built.bytes, `the ${role} decodes to the built file`);
    assert.equal(entry.encoded, built.brotli, `the ${role} crossed the wire as its brotli copy`);
    total += entry.encoded;
  }
  // The glue and the wasm, the two large files, were negotiated as brotli.
  for (const role of ['glue', 'wasm']) {
    const name = MANIFEST.files.find((f) => f.role === role).name;
    const response = responses.get(name);
    assert.ok(response, `the ${role}'s response was seen`);
    assert.equal((await response.allHeaders())['content-encoding'], 'br', `the ${role} was negotiated as brotli`);
  }
  assert.ok(total <= BUDGET, `loader + glue + wasm transferred ${total} B, over the ${BUDGET} B budget`);
  await assertClean(record);
  await record.context.close();
});
