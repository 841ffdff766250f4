// The stack every browser test runs against: the real collector on a temporary SQLite database
// with the pilot registry, the example pages on their own origins, and the Debian Chromium driven
// by playwright-core. It builds nothing: `cargo xtask test` builds the widget and the binaries first
// and passes their paths in the environment (see README.md).

import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where everything is: the environment first, then the workspace's usual build output. */
export const ROOT = path.resolve(process.env.VOCE_ROOT ?? path.join(here, '..', '..', '..'));
export const COLLECTOR_BIN = process.env.VOCE_COLLECTOR_BIN ?? path.join(ROOT, 'target', 'debug', 'voce-collector');
export const XTASK_BIN = process.env.VOCE_XTASK_BIN ?? path.join(ROOT, 'target', 'debug', 'xtask');
export const SEED_BIN = process.env.VOCE_SEED_BIN ?? path.join(ROOT, 'target', 'debug', 'voce-seed');
export const WIDGET_DIR = process.env.VOCE_WIDGET_DIR ?? path.join(ROOT, 'target', 'widget');
export const CHROMIUM = process.env.VOCE_CHROMIUM ?? '/usr/bin/chromium';
export const PILOT = path.join(ROOT, 'examples', 'registry', 'pilot.toml');
export const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');

/** The ports the pilot registry allows for the tests (82xx) and the collector's test port. */
export const COLLECTOR_PORT = 8280;
export const COLLECTOR = `http://127.0.0.1:${COLLECTOR_PORT}`;
export const PAGES_BASE_PORT = 8200;
export const SITES = {
  inps: `http://127.0.0.1:${PAGES_BASE_PORT + 1}`,
  inail: `http://127.0.0.1:${PAGES_BASE_PORT + 2}`,
  roma: `http://127.0.0.1:${PAGES_BASE_PORT + 3}`,
  other: `http://127.0.0.1:${PAGES_BASE_PORT + 4}`,
};

/** Chromium as CI runs it: headless, no sandbox (root), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

const STARTUP_TIMEOUT_MS = 30_000;

/** Fails with one clear message when something the suite needs was not built. */
export function preflight() {
  const missing = [];
  const need = (file, what, fix) => {
    if (!existsSync(file)) missing.push(`  - ${what}: ${file} does not exist (${fix})`);
  };
  need(COLLECTOR_BIN, 'the collector binary (VOCE_COLLECTOR_BIN)', 'cargo build -p voce-collector');
  need(XTASK_BIN, 'the xtask binary (VOCE_XTASK_BIN)', 'cargo build -p xtask');
  need(SEED_BIN, 'the demo seeder (VOCE_SEED_BIN)', 'cargo build -p voce-devtools');
  need(path.join(WIDGET_DIR, 'voce.js'), 'the widget loader (VOCE_WIDGET_DIR)', 'cargo xtask widget');
  need(path.join(WIDGET_DIR, 'manifest.json'), 'the widget manifest (VOCE_WIDGET_DIR)', 'cargo xtask widget');
  need(PILOT, 'the pilot registry', 'examples/registry/pilot.toml is part of the repository');
  need(CHROMIUM, 'Chromium (VOCE_CHROMIUM)', 'apt-get install chromium');
  if (missing.length > 0) {
    throw new Error(
      `The browser tests cannot start; build the missing pieces first (or run \`cargo xtask test\`):\n${missing.join('\n')}`,
    );
  }
}

// Every child process, so that an early exit still kills them all.
const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

function logFile(name) {
  mkdirSync(path.join(ARTIFACTS, 'logs'), { recursive: true });
  return path.join(ARTIFACTS, 'logs', `${name}.log`);
}

/** Runs a command to completion, failing with its output. */
function runToEnd(bin, args, env, what) {
  const result = spawnSync(bin, args, { env, encoding: 'utf8', timeout: STARTUP_TIMEOUT_MS });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${bin} ${args.join(' ')}), exit ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Starts a long-running child whose output goes to a log file. */
function startChild(bin, args, env, log) {
  const out = createWriteStream(log, { flags: 'a' });
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  children.add(child);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => children.delete(child));
  return child;
}

async function stopChild(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const done = await Promise.race([child.exited, delay(5_000).then(() => null)]);
  if (done === null) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

/** Waits until `probe()` resolves truthy, polling, or fails after `timeoutMs` with `what`. */
export async function waitUntil(probe, what, timeoutMs = STARTUP_TIMEOUT_MS, child = null) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited with ${child.exitCode}`);
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(100);
  }
}

async function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function httpOk(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

/**
 * The collector, on a temporary SQLite database and key directory that survive its restarts.
 */
export class Collector {
  constructor(dir, name) {
    this.dir = dir;
    this.name = name;
    this.database = path.join(dir, 'voce.sqlite3');
    this.env = {
      ...process.env,
      VOCE_BIND: `127.0.0.1:${COLLECTOR_PORT}`,
      VOCE_ADMIN_BIND: '127.0.0.1:0',
      VOCE_DATABASE_URL: this.database,
      VOCE_KEYS_DIR: path.join(dir, 'keys'),
      VOCE_WIDGET_DIR: WIDGET_DIR,
      // The hosted page's tickets are for the collector's own public origin.
      VOCE_PUBLIC_URL: COLLECTOR,
      // Every test comes from 127.0.0.1: keep the per-client limit out of the way.
      VOCE_RATE_LIMIT_BURST: '10000',
      VOCE_RATE_LIMIT_PER_MINUTE: '100000',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    };
    this.process = null;
  }

  /** Creates the schema, a ticket key and the pilot registry. */
  prepare() {
    mkdirSync(this.env.VOCE_KEYS_DIR, { recursive: true });
    runToEnd(COLLECTOR_BIN, ['migrate'], this.env, 'voce-collector migrate');
    runToEnd(COLLECTOR_BIN, ['keys', 'generate'], this.env, 'voce-collector keys generate');
    runToEnd(COLLECTOR_BIN, ['registry', 'import', PILOT], this.env, 'voce-collector registry import');
  }

  /** Starts `voce-collector serve` and waits until it is ready. */
  async start() {
    this.process = startChild(COLLECTOR_BIN, ['serve'], this.env, logFile(`${this.name}-collector`));
    await waitUntil(() => httpOk(`${COLLECTOR}/healthz`), 'the collector to be ready', STARTUP_TIMEOUT_MS, this.process);
  }

  /** Stops it; `SIGKILL` simulates a crash. */
  async stop(signal = 'SIGTERM') {
    await stopChild(this.process, signal);
    this.process = null;
  }

  /** Runs one collector subcommand against the same database and returns its standard output. */
  cli(args) {
    return runToEnd(COLLECTOR_BIN, args, this.env, `voce-collector ${args.join(' ')}`);
  }

  /** Runs the demo seeder (`voce-seed` of voce-devtools) against the same database. */
  seed(args) {
    return runToEnd(SEED_BIN, args, this.env, `voce-seed ${args.join(' ')}`);
  }
}

/**
 * The collector and the page server for one test file, with a browser.
 *
 * Test files share fixed ports (the registry allows only those origins), so a lock directory
 * makes files that run in parallel wait for each other.
 */
export class Stack {
  constructor(name) {
    this.name = name;
    this.collector = null;
    this.pages = null;
    this.browser = null;
    this.lock = path.join(tmpdir(), 'voce-browser-tests.lock');
    this.dir = null;
  }

  async start() {
    preflight();
    await this.acquireLock();
    for (const port of [COLLECTOR_PORT, ...Object.values(SITES).map((u) => Number(new URL(u).port))]) {
      if (!(await portIsFree(port))) {
        throw new Error(`port ${port} is already in use on 127.0.0.1; stop whatever holds it (a demo?) and run again`);
      }
    }
    this.dir = await mkdtemp(path.join(tmpdir(), `voce-e2e-${this.name}-`));
    this.collector = new Collector(this.dir, this.name);
    this.collector.prepare();
    await this.collector.start();
    this.pages = startChild(
      XTASK_BIN,
      ['serve-pages', '--collector', COLLECTOR, '--base-port', String(PAGES_BASE_PORT)],
      process.env,
      logFile(`${this.name}-pages`),
    );
    for (const site of Object.values(SITES)) {
      await waitUntil(() => httpOk(`${site}/`), `the page server on ${site}`, STARTUP_TIMEOUT_MS, this.pages);
    }
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: STARTUP_TIMEOUT_MS,
    });
    return this;
  }

  async stop() {
    await this.browser?.close().catch(() => {});
    await stopChild(this.pages);
    await this.collector?.stop();
    if (this.dir && !process.env.VOCE_KEEP_TEMP) rmSync(this.dir, { recursive: true, force: true });
    this.releaseLock();
  }

  async acquireLock() {
    await waitUntil(
      () => {
        try {
          mkdirSync(this.lock);
          writeFileSync(path.join(this.lock, 'pid'), String(process.pid));
          return true;
        } catch {
          // Somebody holds it: steal it only if that process is gone.
          let pid;
          try {
            pid = Number(readFileSync(path.join(this.lock, 'pid'), 'utf8'));
          } catch {
            return false; // Just created; its pid file is on its way.
          }
          try {
            process.kill(pid, 0);
          } catch {
            rmSync(this.lock, { recursive: true, force: true });
          }
          return false;
        }
      },
      'the other browser test files to finish (lock ' + this.lock + ')',
      10 * 60_000,
    );
    this.locked = true;
  }

  releaseLock() {
    if (this.locked) rmSync(this.lock, { recursive: true, force: true });
    this.locked = false;
  }
}

/** A file name for an artifact of this run. */
export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
