// Benchmark: the time from the widget's placement entering the viewport to the form being
// interactive (`voce:ready`: the questionnaire and its ticket are loaded and the stars can be
// clicked), in headless Chromium against the real collector and the INPS example page.
//
// Baseline, measured in the same run and the same page: one plain `fetch` of the same form
// endpoint — the network and server share of the work. The ratio says what the widget itself
// (loader, glue, WebAssembly compile and render) adds on top. "Cold" visits use a fresh browser
// context (empty HTTP cache); "warm" ones reload in the same context (the content-hashed assets
// come from the cache).
//
// Two network profiles: loopback (what the machine can do), and what a citizen on a phone waits
// for: Chromium's network emulation (CDP `Network.emulateNetworkConditions`) with the "Fast 3G"
// figures — 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up — and the CPU slowed four times
// (`Emulation.setCPUThrottlingRate`), for the page, the widget and the baseline alike. The bytes
// each widget file cost on the wire are read from the browser's resource timing
// (`encodedBodySize`, the body as transferred: brotli when negotiated) on the cold visits.
//
//   node bench-interactive.mjs [runs] [loopback|fast-3g|all]     (run by `cargo xtask bench`)

import { COLLECTOR, SITES, Stack } from './lib/harness.mjs';

const RUNS = Number(process.argv[2] ?? 15);
const WHICH = process.argv[3] ?? 'all';
const SERVICE = 'inps-naspi';

/** The network and CPU profiles, as CDP takes them (throughput in bytes per second). */
const PROFILES = {
  loopback: null,
  'fast-3g': {
    label: 'Fast 3G (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up), CPU ×4',
    network: { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 },
    cpu: 4,
  },
};

/** Applies `profile` to `page` through a CDP session (it lasts across reloads of the page). */
async function emulate(context, page, profile) {
  if (!profile) return;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', profile.network);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpu });
}

/** The widget files the page fetched, with what each cost on the wire (resource timing). */
function widgetTransfers(page) {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/widget/v1/'))
      .map((e) => ({
        file: new URL(e.name).pathname.split('/').pop(),
        encoded: e.encodedBodySize,
        decoded: e.decodedBodySize,
      })),
  );
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * q))];
  return { median: at(0.5), p90: at(0.9) };
}

/** One visit: scroll the placement into view, time until `voce:ready`, then time a plain fetch. */
async function measure(page) {
  await page.waitForFunction(() => document.querySelector('voce-feedback') !== null);
  const interactive = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no voce:ready within 15 s')), 15_000);
        let start = 0;
        window.addEventListener(
          'voce:ready',
          () => {
            clearTimeout(timer);
            resolve(performance.now() - start);
          },
          { once: true, capture: true },
        );
        start = performance.now();
        document.querySelector('#valutazione').scrollIntoView();
      }),
  );
  const baseline = await page.evaluate(async ([collector, service]) => {
    const start = performance.now();
    const response = await fetch(`${collector}/v1/forms/${service}?locale=it`, { mode: 'cors', credentials: 'omit' });
    await response.json();
    return performance.now() - start;
  }, [COLLECTOR, SERVICE]);
  return { interactive, baseline };
}

/** `RUNS` cold and warm visits under `profile`; prints their table. */
async function bench(stack, name, profile) {
  const results = { cold: [], warm: [] };
  let transfers = [];
  for (let i = 0; i < RUNS; i += 1) {
    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 800 } });
    // A tall spacer before the placement keeps it far below the fold (beyond the loader's
    // look-ahead margin) until the benchmark scrolls to it. CSSOM, so the page's CSP allows it.
    await context.addInitScript(() => {
      // A reload must not restore the scroll position (that would bring the placement into view).
      history.scrollRestoration = 'manual';
      new MutationObserver((_, observer) => {
        const section = document.getElementById('valutazione');
        if (!section) return;
        observer.disconnect();
        const spacer = document.createElement('div');
        spacer.style.height = '6000px';
        section.before(spacer);
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await emulate(context, page, profile);
    await page.goto(`${SITES.inps}/`, { waitUntil: 'load' });
    results.cold.push(await measure(page));
    transfers = await widgetTransfers(page);
    await page.reload({ waitUntil: 'load' });
    results.warm.push(await measure(page));
    await context.close();
  }
  console.log(`\n${name}: ${profile?.label ?? 'no emulation'}`);
  console.log(`\n| visit | placement in view → interactive, median / p90 ms | baseline form fetch, median / p90 ms | ratio (medians) |`);
  console.log('|---|---|---|---|');
  for (const [kind, runs] of Object.entries(results)) {
    const i = summary(runs.map((r) => r.interactive));
    const b = summary(runs.map((r) => r.baseline));
    console.log(`| ${kind} | ${i.median.toFixed(1)} / ${i.p90.toFixed(1)} | ${b.median.toFixed(1)} / ${b.p90.toFixed(1)} | ${(i.median / b.median).toFixed(1)} |`);
  }
  console.log('\n| widget file (last cold visit) | bytes on the wire (encodedBodySize) | decoded bytes |');
  console.log('|---|---:|---:|');
  for (const t of transfers) console.log(`| \`${t.file}\` | ${t.encoded} | ${t.decoded} |`);
  const total = transfers.reduce((sum, t) => sum + t.encoded, 0);
  console.log(`| **total** | **${total}** | ${transfers.reduce((sum, t) => sum + t.decoded, 0)} |`);
  console.log(`\n${RUNS} visits of each kind, INPS example page, headless Chromium, collector on SQLite.`);
}

const stack = await new Stack('bench').start();
try {
  for (const [name, profile] of Object.entries(PROFILES)) {
    if (WHICH === 'all' || WHICH === name) await bench(stack, name, profile);
  }
} finally {
  await stack.stop();
}
