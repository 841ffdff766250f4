// Faults between the citizen and the database: the collector dies while the answers are on their
// way, or the acknowledgement is lost after the commit. Either way the widget retries the same
// ticket and body, the citizen sees the confirmation, and exactly one row is stored.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { POSITIVE, UI } from './lib/catalog.mjs';
import { countResponses, responsesOf } from './lib/database.mjs';
import { COLLECTOR, Stack } from './lib/harness.mjs';
import { assertClean, screenshot, visit } from './lib/visit.mjs';
import { Widget, pick } from './lib/widget.mjs';

const stack = new Stack('faults');
before(() => stack.start(), { timeout: 120_000 });
after(() => stack.stop(), { timeout: 60_000 });

const SERVICE = 'inail-denuncia-infortunio-info';
const UNREACHABLE = [/ERR_CONNECTION_REFUSED/, /ERR_CONNECTION_RESET/, /Failed to load resource/, /Failed to fetch/];

/** Fills the INAIL form up to the send button. */
async function fillTheForm(record, text) {
  const widget = await new Widget(record).waitForForm();
  await widget.clickStar(4);
  await pick(widget.followUp('positive'), POSITIVE.answers['capivo-come-procedere']);
  await widget.button(UI.next).click();
  await widget.details.fill(text);
  return widget;
}

const isSubmission = (request) => request.url() === `${COLLECTOR}/v1/responses` && request.method() === 'POST';

describe('the widget survives faults without losing or doubling an answer', { timeout: 300_000 }, () => {
  test('the collector is killed after the form loads and restarted while the widget retries: one row', async () => {
    const before = countResponses(stack.collector, SERVICE);
    const record = await visit(stack, 'inail', { allowConsole: UNREACHABLE });
    const widget = await fillTheForm(record, 'Inviato durante un riavvio del servizio.');

    await stack.collector.stop('SIGKILL');
    const firstAttemptFailed = record.page.waitForEvent('requestfailed', { predicate: isSubmission, timeout: 10_000 });
    await widget.button(UI.send).click();
    await firstAttemptFailed;
    await screenshot(record, 'faults-collector-down', widget.form);

    await stack.collector.start();
    await widget.waitForConfirmation(20_000);
    await screenshot(record, 'faults-collector-back', widget.form);
    await assertClean(record);
    await record.context.close();

    const stored = responsesOf(stack.collector, SERVICE).filter((r) => r.free_texts.some((t) => t.text === 'Inviato durante un riavvio del servizio.'));
    assert.equal(stored.length, 1, 'exactly one row holds the answers');
    assert.equal(countResponses(stack.collector, SERVICE), before + 1, 'exactly one row was added');
  });

  test('an acknowledgement lost after the commit is retried with the same ticket and stored once', async () => {
    const before = countResponses(stack.collector, SERVICE);
    const record = await visit(stack, 'inail', { allowConsole: UNREACHABLE });
    const widget = await fillTheForm(record, 'La risposta si è persa per strada.');

    const attempts = [];
    await record.page.route(`${COLLECTOR}/v1/responses`, async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      attempts.push({ ticket: await request.headerValue('authorization'), body: request.postData() });
      if (attempts.length === 1) {
        // The collector commits and answers; the citizen's connection drops before the answer arrives.
        const response = await route.fetch();
        attempts[0].status = response.status();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await widget.button(UI.send).click();
    await widget.waitForConfirmation(20_000);
    await assertClean(record);
    await record.context.close();

    assert.equal(attempts[0].status, 201, 'the first attempt was committed');
    assert.ok(attempts.length >= 2, 'the widget sent again');
    assert.ok(attempts.every((a) => a.ticket === attempts[0].ticket && a.body === attempts[0].body), 'with the same ticket and body');
    assert.equal(countResponses(stack.collector, SERVICE), before + 1, 'exactly one row was added');
  });

  test('after a long outage the citizen presses Riprova and nothing typed is lost', async () => {
    const before = countResponses(stack.collector, SERVICE);
    const record = await visit(stack, 'inail', { allowConsole: UNREACHABLE });
    const text = 'Scritto mentre il servizio era fermo.';
    const widget = await fillTheForm(record, text);

    await stack.collector.stop();
    await widget.button(UI.send).click();
    // The widget gives up after its bounded retries and says so, with a retry button.
    await widget.button(UI.retry).waitFor({ timeout: 30_000 });
    await screenshot(record, 'faults-network-failed', widget.form);
    assert.equal(await widget.details.inputValue(), text, 'the free text is still there');

    await stack.collector.start();
    await widget.button(UI.retry).click();
    await widget.waitForConfirmation(20_000);
    await assertClean(record);
    await record.context.close();
    assert.equal(countResponses(stack.collector, SERVICE), before + 1, 'exactly one row was added');
  });
});
