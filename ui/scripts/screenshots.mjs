#!/usr/bin/env node
// Screenshots of every page of the web UI, for the README (docs/screenshots/).
//
//   node ui/scripts/screenshots.mjs --url http://127.0.0.1:8080 [--token T] [--out DIR]
//   node ui/scripts/screenshots.mjs --demo [--binary build/9volt] [--out DIR] [--color-scheme dark]
//
// --url shoots a running server. --demo starts a small demo cluster first (a real etcd, two
// `9volt server`s, checks that pass, fail, warn, sit disabled or orphaned; the harness of
// tests/browser) and stops it afterwards. Uses Debian's chromium (NINEVOLT_CHROMIUM).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    out: { type: 'string', default: join(root, 'docs/screenshots') },
    demo: { type: 'boolean', default: false },
    binary: { type: 'string' },
    'color-scheme': { type: 'string', default: 'light' },
  },
});
if (!opts.url && !opts.demo) {
  console.error('usage: screenshots.mjs --url http://127.0.0.1:8080 [--token T] | --demo');
  process.exit(2);
}
if (opts.binary) {
  process.env.NINEVOLT_BINARY = resolve(opts.binary);
}
const h = await import(pathToFileURL(join(root, 'tests/browser/harness.mjs')).href);

async function demo(dir) {
  const etcd = await h.startEtcd(dir);
  const up = await h.Target.create();
  await up.open();
  const closed = await h.Target.create();
  const tcp = (port, extra = {}) => ({ type: 'tcp', host: '127.0.0.1', port, interval: '5s', ...extra });
  const monitors = {
    'api-gateway': tcp(up.port, { description: 'public API gateway', tags: ['prod', 'edge'], 'critical-alerter': ['ops-slack'] }),
    'billing-db': tcp(closed.port, { description: 'billing PostgreSQL primary', tags: ['prod', 'db'], 'critical-threshold': 1, 'critical-alerter': ['ops-slack', 'pager'] }),
    'search-cluster': tcp(closed.port, { description: 'search nodes answer on 9200', tags: ['prod', 'search'], 'critical-threshold': 1, 'critical-alerter': ['pager'] }),
    'disk-space': { type: 'exec', command: '/bin/sh', args: ['-c', 'echo "root 91% used|used=91%"; exit 1'], plugin: 'nagios', interval: '10s', description: 'root filesystem has free space', tags: ['host'], 'warning-alerter': ['ops-slack'] },
    'eu-frontend': tcp(up.port, { 'member-tag': 'eu', tags: ['prod', 'edge'] }),
    'apac-frontend': tcp(up.port, { 'member-tag': 'apac', tags: ['prod', 'edge'], description: 'needs a member in APAC' }),
    'legacy-ftp': tcp(up.port, { disable: true, tags: ['legacy'] }),
    'status-page': { type: 'http', host: '127.0.0.1', port: up.port, url: '/', interval: '10s', tags: ['web'], description: 'status page answers' },
  };
  for (let i = 1; i <= 14; i++) {
    monitors[`web-${String(i).padStart(2, '0')}`] = tcp(up.port, { tags: ['prod', 'web'], description: `web node ${i}` });
  }
  const alerters = {
    'ops-slack': { type: 'slack', description: '#ops channel', options: { token: 'xoxb-not-a-real-token', channel: '#ops' } },
    pager: { type: 'pagerduty', description: 'on-call rotation', options: { 'routing-key': 'not-a-real-key' } },
    'audit-hook': { type: 'webhook', description: 'audit log receiver', options: { url: 'https://audit.example.com/9volt', secret: 'hmac-secret' } },
  };
  const load = h.writeConfig(join(dir, 'config'), { monitors, alerters });
  const a = await h.Server.start(dir, 'member-a', etcd.endpoint, { load, tags: ['us'] });
  const b = await h.Server.start(dir, 'member-b', etcd.endpoint, { tags: ['eu'] });
  await h.eventually(async () => {
    const s = (await a.api('state/summary')).json;
    return s && s.by_status.critical >= 2 && s.by_status.warning >= 1 && s.by_status.ok >= 10;
  }, 'the demo checks to settle', 60000);
  // A state change while the page watches, so the events page has more than joins.
  return {
    url: a.base,
    stop: async () => {
      await b.proc.stop();
      await a.proc.stop();
      await etcd.proc.stop();
      await up.close();
    },
  };
}

const dir = opts.demo ? h.tempDir('9volt-shots-') : null;
const target = opts.demo ? await demo(dir.path) : { url: opts.url.replace(/\/$/, ''), stop: async () => {} };
mkdirSync(opts.out, { recursive: true });
const browser = await h.launchBrowser();
const shots = [
  ['overview', '', { width: 1280, height: 800 }],
  ['checks', '#/checks', { width: 1280, height: 800 }],
  ['check', '#/check/billing-db', { width: 1280, height: 800 }],
  ['cluster', '#/cluster', { width: 1280, height: 800 }],
  ['events', '#/events', { width: 1280, height: 800 }],
  ['alerters', '#/alerters', { width: 1280, height: 800 }],
  ['phone-overview', '', { width: 390, height: 844 }],
  ['phone-checks', '#/checks?status=critical,warning', { width: 390, height: 844 }],
];
try {
  for (const [name, hash, viewport] of shots) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: opts['color-scheme'] });
    if (opts.token) {
      await context.addInitScript((t) => sessionStorage.setItem('ninevolt.token', t), opts.token);
    }
    const page = await context.newPage();
    await page.goto(`${target.url}/ui/${hash}`);
    await page.locator('main h1').first().waitFor();
    await h.eventually(async () => (await page.getByText(/^Loading /).count()) === 0, `${name} to load`, 20000);
    await page.locator('.live-live, .live-polling').waitFor({ timeout: 20000 });
    await page.waitForTimeout(300);
    const file = join(opts.out, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(file);
    await context.close();
  }
} finally {
  await browser.close();
  await target.stop();
  dir?.remove();
}
