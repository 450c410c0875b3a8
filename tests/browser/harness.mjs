// Test harness for the web UI: a real etcd, real `9volt server`s and local TCP targets the
// test opens and closes, all on free loopback ports in a temp dir; and Debian's chromium
// driven by playwright-core (from ui/node_modules; no browser is ever downloaded).
//
// Every process started here is recorded by pid and stopped by pid (SIGTERM, then SIGKILL
// after a deadline), also when the test process exits early. Waits poll with deadlines.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const UI_DIR = process.env.NINEVOLT_UI_DIR ?? resolve(here, '../../ui');
export const BINARY = process.env.NINEVOLT_BINARY ?? resolve(here, '../../build/9volt');
export const CHROMIUM = process.env.NINEVOLT_CHROMIUM ?? '/usr/bin/chromium';
export const ETCD = process.env.NINEVOLT_ETCD ?? 'etcd';

const children = new Set();

function killAll(signal) {
  for (const c of children) {
    try {
      process.kill(c.pid, signal);
    } catch {
      // already gone
    }
  }
}
process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll('SIGKILL');
    process.exit(130);
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Polls fn() until it returns something truthy; throws `what` after timeoutMs.
export async function eventually(fn, what, timeoutMs = 30000, everyMs = 200) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await sleep(everyMs);
  }
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// A child process with its output in a log file; stop() ends it by pid.
export class Proc {
  constructor(name, argv, dir, env = {}) {
    this.name = name;
    this.log = join(dir, `${name}.log`);
    const fd = openSync(this.log, 'a');
    this.child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env },
    });
    this.pid = this.child.pid;
    this.exited = new Promise((r) => this.child.on('exit', (code, sig) => r({ code, sig })));
    this.child.on('exit', () => children.delete(this.child));
    children.add(this.child);
  }
  output() {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }
  running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async stop(timeoutMs = 15000) {
    if (!this.running()) {
      return;
    }
    process.kill(this.pid, 'SIGTERM');
    const t = setTimeout(() => {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    await this.exited;
    clearTimeout(t);
  }
}

export async function startEtcd(dir) {
  const client = await freePort();
  const peer = await freePort();
  const url = `http://127.0.0.1:${client}`;
  const proc = new Proc('etcd', [
    ETCD, '--name', 'ui-test', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `ui-test=http://127.0.0.1:${peer}`,
    '--log-level', 'warn',
  ], dir);
  await eventually(async () => {
    if (!proc.running()) {
      throw new Error(`etcd exited: ${proc.output().slice(-2000)}`);
    }
    const r = await fetch(`${url}/health`);
    return r.ok;
  }, 'etcd to answer', 30000);
  return { proc, endpoint: url };
}

// A TCP port the test opens (accepts and closes connections) and closes on demand: the
// target of checks whose state the test changes.
export class Target {
  constructor(port) {
    this.port = port;
    this.server = null;
  }
  static async create() {
    return new Target(await freePort());
  }
  async open() {
    if (this.server) return;
    this.server = net.createServer((s) => s.destroy());
    await new Promise((res, rej) => {
      this.server.once('error', rej);
      this.server.listen(this.port, '127.0.0.1', res);
    });
  }
  async close() {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    await new Promise((res) => s.close(res));
  }
}

export class Server {
  constructor(proc, port, token) {
    this.proc = proc;
    this.port = port;
    this.token = token;
    this.base = `http://127.0.0.1:${port}`;
  }
  static async start(dir, name, endpoint, { token, tags = [], load, location } = {}) {
    const port = await freePort();
    const argv = [BINARY, 'server', '--listen', `127.0.0.1:${port}`, '-e', endpoint];
    if (token) argv.push('-a', token);
    if (tags.length) argv.push('-t', tags.join(','));
    if (load) argv.push('--load', load);
    if (location) argv.push('--location', location);
    const proc = new Proc(name, argv, dir);
    const server = new Server(proc, port, token);
    await eventually(async () => {
      if (!proc.running()) {
        throw new Error(`${name} exited: ${proc.output().slice(-3000)}`);
      }
      const r = await fetch(`${server.base}/status/check`);
      return r.status === 200;
    }, `${name} to be healthy`, 60000);
    return server;
  }
  async api(path, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (this.token) headers['X-Access-Token'] = this.token;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(`${this.base}/api/v1/${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, json, text, headers: r.headers };
  }
  async state(name) {
    const r = await this.api(`state?check=${encodeURIComponent(name)}`);
    return r.json?.[0];
  }
}

export function tempDir(prefix = '9volt-browser-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    path: dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

// Writes a --load directory: monitors and alerters as JSON (YAML is a superset).
export function writeConfig(dir, { monitors, alerters }) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), JSON.stringify({ alerter: alerters, monitor: monitors }, null, 2));
  return dir;
}

export function playwright() {
  const require = createRequire(join(UI_DIR, 'package.json'));
  return require('playwright-core');
}

export async function launchBrowser() {
  const { chromium } = playwright();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
