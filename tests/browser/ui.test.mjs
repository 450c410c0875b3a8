// Browser tests of the web UI (issue 6 §5): Debian's chromium, driven by playwright-core,
// against real `9volt server`s on a real etcd with checks loaded, two of them against TCP
// ports this test opens and closes. Screenshots of failures go to the working directory
// (ctest's: <build>/tests/browser).
//
//   node --test tests/browser/ui.test.mjs   (NINEVOLT_BINARY=build/9volt by default)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  Server, Target, eventually, launchBrowser, startEtcd, tempDir, writeConfig,
} from './harness.mjs';

const SECRET = 'hook-secret-do-not-show';
const TOKEN = 'browser-test-token';
const STEP_MS = 20000;  // a UI step (navigation, a click's effect)
// A state change must show without reload: at once over the stream, within the 10 s poll
// without it, plus the check's interval and the state publisher's 1 s flush.
const LIVE_MS = 30000;

let dir;
let etcd;
let server;
let browser;
// The check types of this build (NINEVOLT_CHECK_TYPES, set by tests/CMakeLists.txt; unset:
// all): a test that needs one the build lacks skips, naming it.
const BUILT_TYPES = process.env.NINEVOLT_BUILT_CHECK_TYPES?.split(',');
const hasType = (type) => !BUILT_TYPES || BUILT_TYPES.includes(type);
const needsType = (type) => ({
  skip: hasType(type) ? false : `needs check type '${type}', which this build lacks (it has ${BUILT_TYPES})`,
});
const up = await Target.create();  // open: the check "flip" is ok
const down = await Target.create();  // never opened: "refused" is critical

function monitors() {
  return {
    flip: { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '1s', 'critical-threshold': 1,
      description: 'a port the test opens and closes', tags: ['test', 'flip'], 'critical-alerter': ['hook'] },
    refused: { type: 'tcp', host: '127.0.0.1', port: down.port, interval: '1s', tags: ['test'],
      'critical-threshold': 1, 'critical-alerter': ['hook'] },
    toggled: { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '2s', tags: ['test'] },
    'api-health': { type: 'http', host: '127.0.0.1', port: up.port, url: '/', interval: '5s', tags: ['web'] },
    'web-0': { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '3s', tags: ['web'] },
    'web-1': { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '3s', tags: ['web'] },
    sleeping: { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '3s', disable: true },
    'mars-only': { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '3s', 'member-tag': 'mars' },
  };
}
const CHECKS = Object.keys(monitors()).length;

// Runs body with a fresh page; on failure saves a screenshot named after the test.
async function withPage(name, body, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.setDefaultTimeout(STEP_MS);
  try {
    await body(page);
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  } catch (e) {
    const file = join(process.cwd(), `failure-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    console.error(`screenshot of the failure: ${file}`);
    throw e;
  } finally {
    await context.close();
  }
}

async function visit(page, srv, hash) {
  await page.goto(`${srv.base}/ui/${hash}`);
}

before(async () => {
  dir = tempDir();
  etcd = await startEtcd(dir.path);
  await up.open();
  const load = writeConfig(join(dir.path, 'config'), {
    alerters: { hook: { type: 'webhook', options: { url: 'http://127.0.0.1:9/hook', secret: SECRET } } },
    monitors: monitors(),
  });
  server = await Server.start(dir.path, 'server', etcd.endpoint, { load, location: 'eu-west' });
  // The first results are in etcd: flip ok, refused critical.
  await eventually(async () => (await server.state('flip'))?.status === 'ok', 'flip ok', 30000);
  await eventually(async () => (await server.state('refused'))?.status === 'critical', 'refused critical', 30000);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.proc.stop();
  await etcd?.proc.stop();
  await up.close();
  if (process.exitCode && dir) {
    console.error(`logs kept in ${dir.path}`);
  } else {
    dir?.remove();
  }
});

describe('web UI', () => {
  test('the overview shows counts, failing checks and cluster health', () =>
    withPage('overview', async (page) => {
      await visit(page, server, '');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const total = page.locator('.count-total .count-n');
      await eventually(async () => (await total.textContent()) === String(CHECKS), `total ${CHECKS}`, STEP_MS);
      assert.equal(await page.locator('.count-disabled .count-n').textContent(), '1');
      assert.ok(Number(await page.locator('.count-critical .count-n').textContent()) >= 1);
      await page.locator('ul.failing').getByRole('link', { name: 'refused' }).waitFor();
      await page.getByTestId('cluster-health').getByText('orphaned check').waitFor();  // mars-only
      // A count links to the filtered checks page.
      await page.locator('.count-critical').click();
      await page.waitForURL(/#\/checks\?status=critical/);
      await page.locator('tr[data-check="refused"]').waitFor();
    }));

  test('the checks table pages, filters and searches on the server', () =>
    withPage('checks', async (page) => {
      await visit(page, server, '#/checks');
      await eventually(async () => (await page.locator('tbody tr').count()) === CHECKS, `${CHECKS} rows`);
      // Status filter: only critical rows.
      await page.getByLabel('Status').selectOption('critical');
      await page.waitForURL(/status=critical/);
      await eventually(async () => {
        const statuses = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.status));
        return statuses.length >= 1 && statuses.every((s) => s === 'critical') && statuses.includes('critical');
      }, 'only critical rows');
      await page.getByRole('button', { name: 'Clear filters' }).click();
      // The type filter offers the server's types (GET /api/v1/types), not a list of the UI's.
      const types = (await server.api('types')).json.types.map((t) => t.name);
      assert.ok((!hasType('icmp') || types.includes('icmp')) && types.includes('tcp'), `types: ${types}`);
      if (BUILT_TYPES) {
        assert.deepEqual(types, BUILT_TYPES);
      }
      await eventually(async () => {
        const offered = await page.getByLabel('Type').locator('option').evaluateAll((os) => os.map((o) => o.value));
        return offered.join(',') === ['', ...types].join(',');
      }, 'the type filter lists the server\'s types');
      // Name search (debounced): "web-" matches two.
      await page.getByLabel('Name contains').fill('web-');
      await eventually(async () => {
        const names = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.check));
        return names.join(',') === 'web-0,web-1';
      }, 'web-0 and web-1');
      // Paging (any limit in the URL is kept; 2 per page here): flip, refused | toggled.
      const names = () => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.check).join(','));
      await visit(page, server, '#/checks?tag=test&limit=2');
      await eventually(async () => (await names()) === 'flip,refused', 'page 1: flip, refused');
      await page.getByRole('button', { name: 'Next →' }).click();
      await eventually(async () => (await names()) === 'toggled', 'page 2: toggled');
      assert.equal(await page.getByRole('button', { name: 'Next →' }).isDisabled(), true);
      await page.getByRole('button', { name: '← Previous' }).click();
      await eventually(async () => (await names()) === 'flip,refused', 'back to page 1');
      // Sorting by status puts critical first.
      await visit(page, server, '#/checks');
      await eventually(async () => (await page.locator('tbody tr').count()) === CHECKS, 'all rows');
      await page.getByRole('button', { name: /^Status/ }).click();
      assert.equal(await page.locator('tbody tr').first().getAttribute('data-status'), 'critical');
    }));

  test('the check page shows spec, state and history; disabling it writes etcd', () =>
    withPage('check-detail', async (page) => {
      await visit(page, server, '#/check/toggled');
      await page.getByRole('heading', { name: 'toggled' }).waitFor();
      await page.getByText(String(up.port), { exact: true }).first().waitFor();  // spec: port
      await page.getByTestId('check-status').getByText('ok').waitFor();
      await page.getByRole('heading', { name: 'Timings' }).waitFor();
      // A field of the type that was not written is listed as "default", with its help.
      const readSize = page.locator('dl.spec dt', { hasText: /^read-size$/ });
      await readSize.waitFor();
      assert.match(await readSize.getAttribute('title'), /bytes of answer read/);
      await page.getByRole('button', { name: 'Disable check' }).click();
      await page.getByRole('button', { name: 'Enable check' }).waitFor();
      const spec = await server.api('monitor/toggled');
      assert.equal(spec.json.disable, true, 'disabled in etcd');
      await page.getByTestId('check-status').getByText('disabled').waitFor();
      await page.getByRole('button', { name: 'Enable check' }).click();
      await page.getByRole('button', { name: 'Disable check' }).waitFor();
      assert.equal((await server.api('monitor/toggled')).json.disable, false, 'enabled in etcd');
    }));

  test('a state change appears without a reload', () =>
    withPage('live', async (page) => {
      await visit(page, server, '#/check/flip');
      await page.getByTestId('check-status').getByText('ok').waitFor();
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      const t0 = Date.now();
      await up.close();
      try {
        await page.getByTestId('check-status').getByText('critical').waitFor({ timeout: LIVE_MS });
        const mode = await page.locator('.live').getAttribute('class');
        console.log(`flip critical in the UI after ${Date.now() - t0} ms (${mode})`);
        assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
        // The transition is in the check's history (a check-state event).
        await page.locator('li[data-kind="check-state"]').getByText('ok -> critical').waitFor({ timeout: LIVE_MS });
        // The checks page too, and back to ok when the port opens again.
        await page.goto(`${server.base}/ui/#/checks?tag=flip`);
        await page.locator('tr[data-check="flip"][data-status="critical"]').waitFor();
        await page.evaluate(() => {
          window.__sameDocument = true;
        });
      } finally {
        await up.open();
      }
      await page.locator('tr[data-check="flip"][data-status="ok"]').waitFor({ timeout: LIVE_MS });
      assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
    }));

  // The stream's contract (GET /api/v1/stream, Server-Sent Events), played by the test: the
  // page asks for the three message types and applies a state message to the row on screen.
  test('messages of the live stream update the page as they come', () =>
    withPage('stream', async (page) => {
      let streamUrl = '';
      let rowsShown;
      const shown = new Promise((r) => {
        rowsShown = r;
      });
      await page.route('**/api/v1/stream?*', async (route) => {
        streamUrl = route.request().url();
        await shown;  // the message comes after the page has its rows
        const sse = (type, id, data) => `event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
        await route.fulfill({
          status: 200,
          headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' },
          body: 'retry: 600000\n' +
            sse('hello', 7, { member: 'm', revision: 7 }) +
            sse('state', 8, { check: 'web-1', owner: 'm', status: 'critical', count: 4, message: 'told by the stream', date: new Date().toISOString() }),
        });
      });
      await visit(page, server, '#/checks?name=web-');
      // Whatever web-1 shows now (an earlier test closed its port for a while: it may still
      // be critical from that), the played message's own text must land in its row.
      await page.locator('tr[data-check="web-1"]').waitFor();
      rowsShown();
      const row = page.locator('tr[data-check="web-1"][data-status="critical"]');
      await row.getByText('told by the stream').waitFor();
      assert.match(streamUrl, /types=state(%2C|,)event(%2C|,)cluster/);
    }));

  test('the cluster page lists the member, director and orphans', () =>
    withPage('cluster', async (page) => {
      const cluster = (await server.api('cluster')).json;
      const id = Object.keys(cluster.Members)[0];
      await visit(page, server, '#/cluster');
      const row = page.locator(`tr[data-member="${id}"]`);
      await row.waitFor();
      await row.getByText('director').waitFor();
      await row.getByText('(this one)').waitFor();
      assert.equal(await row.getByTestId('member-location').textContent(), 'eu-west');
      await page.getByTestId('orphans').getByRole('link', { name: 'mars-only' }).waitFor();
    }));

  test('events are listed, and new ones arrive', () =>
    withPage('events', async (page) => {
      await visit(page, server, '#/events');
      // Polled: an event streamed in can be listed before the page's first read is (seen on
      // a fresh clone: "Loading events..." above a new check-state event).
      await eventually(async () => (await page.getByTestId('events').textContent()).includes('mars-only'),
        'the orphan event', STEP_MS);
      await page.getByLabel('Type').selectOption('warning');
      await page.waitForURL(/type=warning/);
      await eventually(async () => {
        const types = await page.locator('.events .etype').allTextContents();
        return types.length > 0 && types.every((t) => t === 'warning');
      }, 'only warnings');
    }));

  test('alerters are shown with secrets redacted', () =>
    withPage('alerters', async (page) => {
      await visit(page, server, '#/alerters');
      const card = page.locator('[data-alerter="hook"]');
      await card.waitFor();
      await card.getByText('http://127.0.0.1:9/hook').waitFor();
      await card.getByText('redacted').waitFor();
      assert.ok(!(await page.content()).includes(SECRET), 'the secret never reaches the page');
    }));

  test('an alerter in an alert storm shows it', () =>
    withPage('alerter-storm', async (page) => {
      // The storm record as the members write it (store/storm.h), through etcd's JSON gateway.
      const now = new Date().toISOString();
      // Its pending digest due in an hour: the server's sweep leaves it pending meanwhile.
      const later = new Date(Date.now() + 3600e3).toISOString();
      const batch = (n) => ({ first: later, critical: n, warning: 0, recovered: 0, checks: [], more: 0 });
      const record = {
        recent: {}, 'last-storm': 4,
        storms: { 4: { since: now, last: now, open: 37, worst: 'critical', digests: 1, pending: batch(3) } },
      };
      const b64 = (s) => Buffer.from(s).toString('base64');
      const put = await fetch(`${etcd.endpoint}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: b64('/9volt/storm/hook'), value: b64(JSON.stringify(record)) }),
      });
      assert.equal(put.status, 200, await put.text());
      await visit(page, server, '#/alerters');
      const note = page.locator('[data-alerter="hook"] [data-testid="alerter-storm"]');
      await note.waitFor();
      const text = await note.textContent();
      assert.match(text, /alert storm/);
      assert.match(text, /#4/);
      assert.match(text, /37 checks still failing/);
      assert.match(text, /1 digest sent/);
      assert.match(text, /3 changes waiting for the next digest/);
    }));

  test('a check is silenced from its page, shows it, and the silence ends from the silences page', () =>
    withPage('silences', async (page) => {
      await visit(page, server, '#/check/web-0');
      await page.getByRole('heading', { name: 'web-0' }).waitFor();
      await page.getByRole('button', { name: 'for 1 h' }).click();
      await page.getByTestId('check-silenced').waitFor();
      const made = (await server.api('silence')).json.filter((s) => s.check === 'web-0');
      assert.equal(made.length, 1, 'one silence in etcd');
      assert.equal(made[0].state, 'active');
      const minutes = (Date.parse(made[0].ends) - Date.parse(made[0].starts)) / 60000;
      assert.equal(minutes, 60);
      assert.equal((await server.state('web-0'))['silenced-by'], made[0].id);

      const window = await server.api('maintenance/nightly', {
        method: 'PUT', body: { check: 'web-*', schedule: '0 2 * * *', duration: '1h' } });
      assert.equal(window.status, 201, JSON.stringify(window.json));
      await page.getByRole('link', { name: 'Silences' }).first().click();
      await page.locator('[data-window="nightly"]').getByText('0 2 * * * for 1h (UTC)').waitFor();
      await server.api('maintenance/nightly', { method: 'DELETE' });
      const row = page.locator(`[data-silence="${made[0].id}"]`);
      await row.getByText('checks web-0').waitFor();
      await row.getByText(/in (59|60) min|in 1 h/).waitFor();
      // A new one from the form: by tag, for 30 minutes.
      await page.getByLabel('Tags (all of them, comma separated)').fill('web');
      await page.getByLabel('For').fill('30m');
      await page.getByLabel('Comment').fill('from the browser');
      await page.getByRole('button', { name: 'Silence', exact: true }).click();
      await page.getByText('from the browser').waitFor();
      await row.getByRole('button', { name: 'End' }).click();
      await row.waitFor({ state: 'detached' });
      const left = (await server.api('silence')).json;
      assert.deepEqual(left.map((s) => s.tags), [['web']], 'only the tag silence is left');
      await server.api(`silence/${left[0].id}`, { method: 'DELETE' });
    }));

  test('the filtered checks list is silenced: exactly the checks the filters select', () =>
    withPage('silence-filtered', async (page) => {
      const names = () => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.check).join(','));
      const before = new Set((await server.api('silence')).json.map((s) => s.id));
      const newSilences = async () => (await server.api('silence')).json.filter((s) => !before.has(s.id));
      const silencedBy = async (query) =>
        Object.fromEntries((await server.api(`state?${query}`)).json.map((s) => [s.check, s['silenced-by']]));
      // No filter: no button (silencing everything is done on the Silences page).
      await visit(page, server, '#/checks');
      await eventually(async () => (await page.locator('tbody tr').count()) === CHECKS, `${CHECKS} rows`);
      assert.equal(await page.getByTestId('silence-filtered-1h').count(), 0, 'hidden without a filter');
      // Name contains "-" and type tcp: not api-health (http), nor flip, refused, toggled, sleeping.
      await page.getByLabel('Name contains').fill('-');
      await eventually(async () => (await names()) === 'api-health,mars-only,web-0,web-1', 'the names with -');
      await page.getByLabel('Type').selectOption('tcp');
      await eventually(async () => (await names()) === 'mars-only,web-0,web-1', 'mars-only, web-0, web-1');
      await page.getByTestId('silence-filtered-1h').click();
      const ask = page.getByRole('group', { name: 'Confirm the silence' });
      await ask.getByText("Silence checks whose name contains '-', of type tcp for 1 hour?").waitFor();
      await ask.getByText('3 checks match now').waitFor();
      await page.getByTestId('silence-filtered-confirm').click();
      const made = page.getByTestId('silence-filtered-made');
      await made.waitFor();
      const id = await made.locator('code').textContent();
      await made.getByRole('link', { name: 'See the Silences page' }).waitFor();
      try {
        const added = await newSilences();
        assert.equal(added.length, 1, `one new silence: ${JSON.stringify(added)}`);
        const s = added[0];
        assert.equal(s.id, id, 'the notice names it');
        assert.equal(s.check, '*-*');
        assert.equal(s.type, 'tcp');
        assert.equal(s.tags, undefined);
        assert.equal(s['member-tag'], undefined);
        assert.equal(s.state, 'active');
        assert.equal(s['created-by'], 'web UI');
        assert.equal((Date.parse(s.ends) - Date.parse(s.starts)) / 60000, 60);
        // Exactly the checks the same filter selects are silenced by it.
        const selected = Object.keys(await silencedBy('name=-&type=tcp')).sort();
        assert.deepEqual(selected, ['mars-only', 'web-0', 'web-1']);
        const all = await silencedBy('');
        assert.equal(Object.keys(all).length, CHECKS);
        for (const [check, by] of Object.entries(all)) {
          assert.equal(by === id, selected.includes(check), `${check}: silenced-by ${JSON.stringify(by)}`);
        }
        // The rows show it.
        await page.locator('tr[data-check="web-0"] .badge-silenced').waitFor();
      } finally {
        assert.equal((await server.api(`silence/${id}`, { method: 'DELETE' })).status, 200);
      }

      // A glob character in the name filter is taken literally by the filter, so it is quoted
      // in the silence: "web-?" selects no check, and neither does the silence (*web-?* would).
      await page.getByLabel('Name contains').fill('web-?');
      await page.getByText('No check matches these filters.').waitFor();
      await page.getByTestId('silence-filtered-4h').click();
      await ask.getByText("Silence checks whose name contains 'web-?', of type tcp for 4 hours?").waitFor();
      await ask.getByText('No check matches now').waitFor();
      await page.getByTestId('silence-filtered-confirm').click();
      await made.getByText('silenced for 4 hours').waitFor();
      const quoted = await made.locator('code').textContent();
      try {
        const added = await newSilences();
        assert.deepEqual(added.map((s) => [s.id, s.check, s.type]), [[quoted, '*web-[?]*', 'tcp']]);
        assert.equal((Date.parse(added[0].ends) - Date.parse(added[0].starts)) / 3600000, 4);
        const by = Object.values(await silencedBy(''));
        assert.ok(!by.includes(quoted), 'it covers no check');
      } finally {
        assert.equal((await server.api(`silence/${quoted}`, { method: 'DELETE' })).status, 200);
      }

      // A status (or owner) filter cannot be a silence: disabled, saying what to do instead.
      await page.getByLabel('Status').selectOption('critical');
      await page.waitForURL(/status=critical/);
      const button = page.getByTestId('silence-filtered-1h');
      await eventually(async () => await button.isDisabled(), 'disabled with a status filter', STEP_MS);
      assert.equal(await page.getByTestId('silence-filtered-4h').isDisabled(), true);
      assert.match(await button.getAttribute('title'), /Silence by name, type or tag instead/);
      await page.getByTestId('silence-filtered-why').getByText('Silence by name, type or tag instead').waitFor();
      await visit(page, server, '#/checks?owner=someone');
      await eventually(async () => await button.isDisabled(), 'disabled with an owner filter', STEP_MS);
      assert.match(await button.getAttribute('title'), /Silence by name, type or tag instead/);
      // Tags: the filter takes any of them, a silence needs all: one tag only.
      await visit(page, server, '#/checks?tag=web,test');
      await eventually(async () => await button.isDisabled(), 'disabled with two tags', STEP_MS);
      assert.match(await button.getAttribute('title'), /any of web, test/);
      await visit(page, server, '#/checks?tag=web');
      await page.locator('tr[data-check="web-0"]').waitFor();
      assert.equal(await button.isDisabled(), false, 'one tag is a silence');
      assert.deepEqual(await newSilences(), [], 'no silence left');
    }));

  test('a failing check is acknowledged from its page, shows it, and is unacknowledged', () =>
    withPage('acks', async (page) => {
      // refused has failed since the start: its incident is open (no ack in force).
      await eventually(async () => (await server.api('ack/refused')).status === 200,
        'an open incident of refused', 30000);
      try {
        await visit(page, server, '#/check/refused');
        await page.getByRole('heading', { name: 'refused' }).waitFor();
        await page.getByTestId('check-status').getByText('critical').waitFor();
        const badge = page.getByTestId('check-acked');
        assert.equal(await badge.count(), 0, 'not acked yet');
        assert.equal(await page.getByTestId('unack-button').count(), 0, 'nothing to unacknowledge');
        // Acknowledge, with a comment and no end.
        await page.getByTestId('ack-comment').fill('looking into it');
        await page.getByTestId('ack-button').click();
        await badge.waitFor();
        assert.match(await badge.getAttribute('title'), /^acknowledged by web UI .*: looking into it \(until the incident ends\)$/);
        let got = await server.api('ack/refused');
        assert.equal(got.status, 200, got.text);
        assert.equal(got.json.acked, true);
        assert.equal(got.json.ack.comment, 'looking into it');
        assert.equal(got.json.ack.by, 'web UI');
        assert.equal(got.json.ack.expires, null, 'no end');
        assert.equal(await page.getByTestId('ack-comment').inputValue(), '', 'the comment field is emptied');
        // Unacknowledge.
        await page.getByTestId('unack-button').click();
        await badge.waitFor({ state: 'detached' });
        await page.getByTestId('unack-button').waitFor({ state: 'detached' });
        got = await server.api('ack/refused');
        assert.equal(got.json.acked, false, got.text);
        // For 4 h: an ack that ends 4 hours after it was made.
        await page.getByTestId('ack-4h-button').click();
        await badge.waitFor();
        assert.match(await badge.getAttribute('title'), /^acknowledged by web UI .* \(until .*\)$/);
        got = (await server.api('ack/refused')).json;
        assert.equal(got.acked, true);
        assert.equal(got.ack.comment, '');
        const hours = (Date.parse(got.ack.expires) - Date.parse(got.ack.at)) / 3600000;
        assert.ok(Math.abs(hours - 4) < 0.01, `ends ${hours} h after it was made`);
        await page.getByTestId('unack-button').click();
        await badge.waitFor({ state: 'detached' });
        assert.equal((await server.api('ack/refused')).json.acked, false);
      } finally {
        await server.api('ack/refused', { method: 'DELETE' });  // 404 when not acked
      }
    }));

  test('a flapping check shows it on its page and in the checks list', () =>
    withPage('flapping', async (page) => {
      // A target that answers 500 and 200 by turns: every run of the check changes its state.
      let answers = 0;
      const target = createServer((req, res) => {
        res.writeHead(answers++ % 2 === 0 ? 500 : 200).end();
      });
      await new Promise((done) => target.listen(0, '127.0.0.1', done));
      const spec = { type: 'http', host: '127.0.0.1', port: target.address().port, url: '/', interval: '300ms',
        timeout: '250ms', tags: ['flapping'] };
      try {
        assert.equal((await server.api('monitor/flappy', { method: 'PUT', body: spec })).status, 201);
        await visit(page, server, '#/check/flappy');
        await page.getByRole('heading', { name: 'flappy' }).waitFor();
        const badge = page.getByTestId('check-flapping');
        await badge.waitFor({ timeout: 30000 });
        assert.match(await badge.getAttribute('title'), /Last runs, oldest first: [owc]{21}/);
        await visit(page, server, '#/checks?tag=flapping');
        await page.locator('tr[data-check="flappy"] .badge-flapping').waitFor();
        const state = await server.state('flappy');
        assert.equal(state.flapping, true, 'GET /state says so too');
      } finally {
        await server.api('monitor/flappy', { method: 'DELETE' });
        await new Promise((done) => target.close(done));
      }
    }));

  test('a check run from several locations shows a row per location and how many fail', () =>
    withPage('locations', async (page) => {
      // The server is in eu-west; nobody runs in us-east: that row is unknown and says why.
      const spec = { type: 'tcp', host: '127.0.0.1', port: up.port, interval: '1s', tags: ['located'],
        locations: ['eu-west', 'us-east'] };
      try {
        assert.equal((await server.api('monitor/located', { method: 'PUT', body: spec })).status, 201);
        await visit(page, server, '#/check/located');
        await page.getByRole('heading', { name: 'located' }).waitFor();
        const rows = page.getByTestId('location-row');
        await eventually(async () => (await rows.count()) === 2
          && (await rows.nth(0).textContent()).includes('ok'), 'the eu-west row ok', LIVE_MS);
        assert.match(await rows.nth(0).textContent(), /eu-west/);
        assert.match(await rows.nth(1).textContent(), /us-east.*unknown.*no live member in location 'us-east'/);
        assert.match(await page.getByTestId('locations-quorum').textContent(), /0 of 2 failing, 1 unknown/);
        await visit(page, server, '#/checks?tag=located');
        const badge = page.locator('tr[data-check="located"] [data-testid="locations-badge"]');
        await badge.waitFor();
        assert.equal(await badge.textContent(), '0/2 failing');
      } finally {
        await server.api('monitor/located', { method: 'DELETE' });
      }
    }));

  test('keyboard first: a skip link, labelled controls, sortable headers say how they sort', () =>
    withPage('a11y', async (page) => {
      await visit(page, server, '#/checks');
      await page.locator('tr[data-check="refused"]').waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, button')]
          .filter((e) => !e.labels?.length && !e.getAttribute('aria-label') && !e.textContent?.trim())
          .map((e) => e.outerHTML));
      assert.deepEqual(unlabelled, []);
      assert.equal(await page.locator('th[aria-sort="ascending"]').count(), 1);
      await page.locator('[role="status"][aria-live="polite"].live').waitFor();
    }));

  test('on a phone the checks table reads as cards', () =>
    withPage('phone', async (page) => {
      await visit(page, server, '#/checks');
      await page.locator('tr[data-check="refused"]').waitFor();
      const display = await page.locator('tr[data-check="refused"] td').first().evaluate((td) => getComputedStyle(td).display);
      assert.equal(display, 'flex');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no sideways scrolling (${overflow} px)`);
    }, { viewport: { width: 390, height: 844 } }));

  test('with --access-tokens the UI asks for the token, then works', async () => {
    // A second member with tokens on the same etcd (it reads the same checks).
    const secured = await Server.start(dir.path, 'secured', etcd.endpoint, { token: TOKEN, tags: ['lab'] });
    try {
      await withPage('token', async (page) => {
        await visit(page, secured, '#/checks');
        const dialog = page.getByRole('dialog', { name: 'Access token' });
        await dialog.waitFor();
        await dialog.getByLabel('Token').fill('wrong-token');
        await dialog.getByRole('button', { name: 'Use token' }).click();
        await dialog.getByText('not accepted').waitFor();  // asked again
        await dialog.getByLabel('Token').fill(TOKEN);
        await dialog.getByRole('button', { name: 'Use token' }).click();
        await page.locator('tr[data-check="refused"]').waitFor();
        assert.equal(await dialog.isVisible(), false);
        // Kept for the session: other pages do not ask again.
        await page.getByRole('link', { name: 'Cluster' }).click();
        await page.locator('tr[data-member]').nth(1).waitFor();  // both members
        assert.equal(await dialog.isVisible(), false);
        assert.equal(await page.evaluate(() => sessionStorage.getItem('ninevolt.token')), TOKEN);
      });
    } finally {
      await secured.proc.stop();
    }
  });

  test('a push check\'s page shows the line a job pushes with, and that line works', needsType('push'), () =>
    withPage('push', async (page) => {
      // Made through the API without a token: the answer is the only place it is shown.
      const made = await server.api('monitor/beat', { method: 'PUT', body: { type: 'push', interval: '1h' } });
      assert.equal(made.status, 201, made.text);
      const token = made.json.secrets.beat.token;
      try {
        await visit(page, server, '#/check/beat');
        const line = page.getByTestId('push-command');
        await line.waitFor();
        const text = await line.textContent();
        assert.match(text, /^curl -fsS -X POST "http:\/\/127\.0\.0\.1:\d+\/api\/v1\/push\/beat\?token=<token>"$/);
        // The spec shows the token redacted, never the token.
        await page.locator('dl.spec dd', { hasText: 'redacted' }).waitFor();
        assert.ok(!(await page.content()).includes(token), 'the token is on the page');
        // The line, with the token put in, is a push the member takes and judges.
        const url = text.match(/"(.*)"/)[1].replace('<token>', token);
        const pushed = await fetch(url, { method: 'POST' });
        assert.equal(pushed.status, 200, await pushed.text());
        await eventually(async () => (await server.state('beat'))?.message?.startsWith('last push'),
          'beat judged from the push', 30000);
      } finally {
        await server.api('monitor/beat', { method: 'DELETE' });
      }
    }));

  // Last: while degraded the member's engine gives no verdicts (docs/locations.md).
  test('a member whose canaries all fail says degraded on the cluster page, and when it is not', () =>
    withPage('degraded', async (page) => {
      const etcdctl = (...args) => {
        const r = spawnSync('/usr/bin/etcdctl', ['--endpoints', etcd.endpoint, ...args],
          { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8', timeout: 30000 });
        assert.equal(r.status, 0, `etcdctl ${args[0]}: ${r.stderr}`);
        return r.stdout;
      };
      const saved = etcdctl('get', '--print-value-only', '/9volt/config').trim();
      await visit(page, server, '#/cluster');
      await page.locator('tr[data-member]').first().waitFor();
      assert.equal(await page.getByTestId('member-degraded').count(), 0);
      try {
        // "refused" fails every run: as the only canary, every canary fails.
        etcdctl('put', '/9volt/config', JSON.stringify({ ...JSON.parse(saved || '{}'), canaries: ['refused'] }));
        await page.getByTestId('member-degraded').waitFor({ timeout: LIVE_MS });
      } finally {
        etcdctl('put', '/9volt/config', saved);
      }
      await page.getByTestId('member-degraded').waitFor({ state: 'detached', timeout: LIVE_MS });
    }));
});
