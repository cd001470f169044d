#!/usr/bin/env node
// tests/browser/chat.test.js - IndieChat's pages in a real browser (issue 6).
//
// Headless Debian chromium (/usr/bin/chromium, or IC_CHROMIUM) driven by
// playwright-core against two sites, alice and bob, on the real-Apache
// harness (tests/browser/sites.py): sign in on both through the real pages,
// invite, accept, send both ways, the other side's open page updates live,
// unread counts change, block stops delivery (while a third site, carol,
// already in conversation with alice, gets through in the same window: the
// control); plus keyboard-only sending,
// labelled inputs and no horizontal scroll at 375px.  The hooks are those of
// docs/web.md "Pages (issue 6)".
//
// Prints TAP-like lines "ok N - name" / "not ok N - name" and ends with
// "browser: N passed, N failed"; exit status 1 when anything failed.
// Screenshots go to $IC_ARTIFACTS (default build/artifacts/browser).
//
// Environment: IC_TOP_BUILDDIR, IC_TOP_SRCDIR (as the integration tests),
// IC_ARTIFACTS, IC_CHROMIUM, IC_BROWSER_TIMEOUT (ms for one delivery,
// default 60000), IC_BROWSER_HEADED=1 (show the browser, for debugging).
'use strict';

const assert = require('assert');
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const readline = require('readline');

const HERE = __dirname;
const SRCDIR = path.resolve(process.env.IC_TOP_SRCDIR || path.join(HERE, '..', '..'));

function loadPlaywright() {
	try {
		return require('playwright-core');
	} catch (e) {
		return require(path.join(SRCDIR, 'tests', 'js', 'node_modules', 'playwright-core'));
	}
}
const { chromium } = loadPlaywright();

const CHROMIUM = process.env.IC_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.resolve(process.env.IC_ARTIFACTS || path.join(SRCDIR, 'build', 'artifacts', 'browser'));
const DELIVERY = Number(process.env.IC_BROWSER_TIMEOUT || 60000);
const LIVE = 30000; // pages poll every ~2 s; a live change has this long once it was delivered
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- TAP -----------------------------------------------------------------
let n = 0, passed = 0, failed = 0;
let over = false; // the watchdog gave up: print nothing more
let current = null; // the step running now
const done = new Set();   // names of steps that passed (later steps may need them)
function comment(text) {
	if (over) return;
	for (const line of String(text).split('\n')) console.log('# ' + line);
}
async function step(name, fn, opts = {}) {
	if (over) return;
	const missing = (opts.needs || []).filter((x) => !done.has(x));
	n++;
	if (missing.length) {
		failed++;
		console.log(`not ok ${n} - ${name} (not run: needs ${missing.join(', ')})`);
		return;
	}
	const t0 = Date.now();
	current = name;
	try {
		await fn();
		passed++;
		done.add(opts.id || name);
		if (!over) console.log(`ok ${n} - ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
	} catch (e) {
		failed++;
		if (over) return;
		console.log(`not ok ${n} - ${name}`);
		comment(e && e.stack ? e.stack : e);
		await failureShots(n);
	} finally {
		current = null;
	}
}

// --- the two sites --------------------------------------------------------
function startSites(extra = []) {
	const py = spawn('/usr/bin/python3', [path.join(HERE, 'sites.py'), '--maintain', '2', ...extra], {
		stdio: ['pipe', 'pipe', 'inherit'],
		env: process.env,
	});
	const rl = readline.createInterface({ input: py.stdout });
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('sites.py printed nothing in 120 s')), 120000);
		py.on('exit', (code) => { clearTimeout(timer); reject(new Error(`sites.py exited (${code})`)); });
		rl.once('line', (line) => {
			clearTimeout(timer);
			try {
				resolve({ py, info: JSON.parse(line) });
			} catch (e) {
				reject(new Error('sites.py: not JSON: ' + line));
			}
		});
	});
}

function stopSites(py) {
	return new Promise((resolve) => {
		if (!py || py.exitCode !== null) return resolve(py ? py.exitCode : 0);
		const kill = setTimeout(() => py.kill('SIGTERM'), 60000);
		py.on('exit', (code) => { clearTimeout(kill); resolve(code); });
		py.stdin.end();
	});
}

// --- helpers --------------------------------------------------------------
const norm = (u) => String(u || '').replace(/\/+$/, '');

async function waitUntil(what, cond, timeout, { interval = 500, onTick } = {}) {
	const deadline = Date.now() + timeout;
	let last;
	for (;;) {
		try {
			last = await cond();
			if (last) return last;
		} catch (e) {
			last = e;
		}
		if (Date.now() > deadline) {
			throw new Error(`${what}: not reached in ${timeout / 1000}s` +
				(last instanceof Error ? ` (last error: ${last.message})` : ''));
		}
		if (onTick) await onTick();
		await sleep(interval);
	}
}

// Mark a page so that a reload (or navigation) shows: the mark is gone.
async function mark(page) {
	await page.evaluate(() => { window.__icNoReload = 'kept'; });
}
async function notReloaded(page) {
	const v = await page.evaluate(() => window.__icNoReload);
	assert.strictEqual(v, 'kept', `${page.url()} was reloaded; the update was not live`);
}

const pages = new Set(); // every page opened, for failure screenshots
const pageErrors = [];
function watch(page, label) {
	pages.add({ page, label });
	page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) pageErrors.push(`${label}: console: ${m.text()}`);
	});
	page.on('response', (r) => {
		if (r.status() >= 400 && r.request().resourceType() !== 'document') {
			pageErrors.push(`${label}: ${r.request().method()} ${r.url()}: HTTP ${r.status()}`);
		}
	});
	page.on('dialog', (d) => d.accept()); // a confirm() before block, say
	return page;
}

// A screenshot of the whole page (of the viewport with { fullPage: false }).
async function shot(page, name, { fullPage = true } = {}) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const file = path.join(ARTIFACTS, name + '.png');
	await page.screenshot({ path: file, fullPage });
	comment('screenshot: ' + file);
	return file;
}

// Screenshots of an earlier run would mislead: remove ours (only ours).
function clearArtifacts() {
	let names = [];
	try { names = fs.readdirSync(ARTIFACTS); } catch (e) { return; }
	for (const f of names) {
		if (/^(alice|bob|fail|overflow)-.*\.png$/.test(f)) fs.rmSync(path.join(ARTIFACTS, f), { force: true });
	}
}

async function failureShots(num) {
	for (const { page, label } of pages) {
		if (page.isClosed()) continue;
		try {
			await shot(page, `fail-${num}-${label}`);
			comment(`${label} was at ${page.url()}`);
		} catch (e) { /* the page may be gone */ }
	}
}

// Sign in through the real pages: B/auth/login -> B/auth/authorize -> B/feed/.
async function signIn(page, site) {
	const resp = await page.goto(site.base_url + '/auth/login');
	assert.ok(resp && resp.status() === 200, `B/auth/login: HTTP ${resp && resp.status()}`);
	await page.getByLabel('Your domain').fill(site.url);
	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(site.base_url + '/auth/authorize'), { timeout: 30000 }),
		page.getByRole('button', { name: 'Sign in' }).click(),
	]);
	await page.getByLabel('Passphrase').fill(site.passphrase);
	await Promise.all([
		page.waitForURL((u) => u.href.startsWith(site.base_url + '/feed/'), { timeout: 30000 }),
		page.getByRole('button', { name: 'Sign in' }).click(),
	]);
	assert.strictEqual(norm(new URL(page.url()).pathname), norm(new URL(site.base_url + '/feed/').pathname));
	const s = await api(page.context(), site, '/auth/session');
	assert.strictEqual(norm(s.me), norm(site.url));
}

// The live JSON, read by the browser itself (same origin, the session
// cookie): Node's resolver does not know *.localhost, Chromium's does.
const apiPages = new Map();
async function api(ctx, site, p) {
	let page = apiPages.get(ctx);
	if (!page || page.isClosed()) {
		page = await ctx.newPage();
		await page.goto(site.base_url + '/auth/session');
		apiPages.set(ctx, page);
	}
	const r = await page.evaluate(async (url) => {
		const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
		return { status: res.status, text: await res.text() };
	}, site.base_url + p);
	assert.strictEqual(r.status, 200, `GET ${p}: ${r.status} ${r.text.slice(0, 200)}`);
	return JSON.parse(r.text);
}
async function convWith(ctx, site, peer) {
	const inbox = await api(ctx, site, '/feed/api/inbox');
	return (inbox.conversations || []).find((c) => norm(c.peer) === norm(peer.url));
}

// One request without a browser and without following redirects, to the
// site's port on 127.0.0.1 with its Host.
function rawGet(url) {
	const u = new URL(url);
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search,
			headers: { Host: u.host } }, (res) => {
			res.resume();
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
		});
		req.on('error', reject);
		req.setTimeout(30000, () => req.destroy(new Error('timeout')));
		req.end();
	});
}

// The hook must be on the page now (after the page loaded): say which
// page lacks which hook, rather than time out on it.
async function need(page, selector, what) {
	const c = await page.locator(selector).count();
	assert.ok(c > 0, `${page.url()} has no ${selector}${what ? ' (' + what + ')' : ''}`);
	return page.locator(selector);
}

async function messages(page) {
	return page.$$eval('#messages li.message', (lis) => lis.map((li) => ({
		dir: li.classList.contains('out') ? 'out' : li.classList.contains('in') ? 'in' : '?',
		seq: li.getAttribute('data-seq'),
		text: (li.querySelector('.text') || {}).textContent || '',
		author: (li.querySelector('.author') || {}).textContent || '',
		time: li.querySelector('time[datetime]') ? li.querySelector('time[datetime]').getAttribute('datetime') : null,
		state: li.querySelector('.state') ? li.querySelector('.state').textContent.trim().toLowerCase() : null,
	})));
}
async function findMessage(page, dir, text) {
	return (await messages(page)).find((m) => m.dir === dir && m.text.trim() === text);
}

async function unreadOf(page, convId) {
	return page.evaluate((id) => {
		const li = document.querySelector(`#conversations li.conversation[data-conv="${CSS.escape(String(id))}"]`);
		if (!li) return { found: false };
		const u = li.querySelector('.unread');
		const shown = !!u && !u.hidden && getComputedStyle(u).display !== 'none' &&
			getComputedStyle(u).visibility !== 'hidden' && u.getClientRects().length > 0;
		return { found: true, shown, text: u ? u.textContent.trim() : null,
			count: u ? u.getAttribute('data-count') : null, title: document.title };
	}, convId);
}

// Every input that a person sees has a label (a <label for>, a wrapping
// <label>, aria-label or aria-labelledby).
async function unlabelled(page) {
	return page.evaluate(() => {
		const bad = [];
		for (const el of document.querySelectorAll('input, textarea, select')) {
			const type = (el.getAttribute('type') || '').toLowerCase();
			if (type === 'hidden' || type === 'submit' || type === 'button' || type === 'reset' || type === 'image') continue;
			if (el.hidden || el.getClientRects().length === 0) continue;
			const aria = (el.getAttribute('aria-label') || '').trim();
			const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
				.map((id) => document.getElementById(id)).filter((x) => x && x.textContent.trim());
			const labels = Array.from(el.labels || []).filter((l) => l.textContent.trim());
			if (!aria && !by.length && !labels.length) {
				bad.push(el.outerHTML.slice(0, 120));
			}
		}
		return bad;
	});
}

// scrollWidth against innerWidth, and the innermost elements that stick out
// on the right (to say what overflows).
async function horizontalOverflow(page) {
	return page.evaluate(() => {
		const w = window.innerWidth;
		const out = [];
		for (const el of document.body.querySelectorAll('*')) {
			const r = el.getBoundingClientRect();
			// An element past the edge (innermost), or one whose own text is
			// wider than the element (a long word that does not wrap).
			const past = r.right > w + 0.5 && !Array.from(el.children).some((c) => c.getBoundingClientRect().right > w + 0.5);
			const text = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
				getComputedStyle(el).overflowX === 'visible' && r.left + el.scrollWidth > w + 0.5;
			if (past || text) {
				const id = el.id ? '#' + el.id : '';
				const cls = el.classList.length ? '.' + Array.from(el.classList).join('.') : '';
				out.push(`${el.tagName.toLowerCase()}${id}${cls} (right ${Math.round(past ? r.right : r.left + el.scrollWidth)}): ` +
					JSON.stringify((el.textContent || '').trim().slice(0, 60)));
			}
		}
		return { scrollWidth: document.scrollingElement.scrollWidth, innerWidth: w, culprits: out.slice(0, 5) };
	});
}

async function send(page, text) {
	const form = page.locator('form#compose');
	await form.locator('textarea[name=text]').fill(text);
	await form.locator('button[type=submit], input[type=submit], button:not([type])').first().click();
}

// --- the test -------------------------------------------------------------
const DEADLINE = Number(process.env.IC_BROWSER_DEADLINE || 600000); // the whole run, ms

async function main() {
	let py, browser;
	// A hung page or site must not hang scripts/test: give up, stop the
	// sites, exit.  Nothing is printed after this.
	const watchdog = setTimeout(() => {
		const num = current ? n : n + 1;
		console.log(`not ok ${num} - ${current || 'the browser test'} (stopped: the whole run may take ${DEADLINE / 1000}s)`);
		console.log(`1..${num}`);
		console.log(`browser: ${passed} passed, ${failed + 1} failed`);
		over = true;
		const exit = () => process.exit(1);
		if (browser) browser.close().catch(() => {});
		if (py && py.exitCode === null) {
			py.on('exit', exit);
			py.stdin.end();
			setTimeout(() => { py.kill('SIGTERM'); setTimeout(exit, 20000); }, 40000);
		} else {
			exit();
		}
	}, DEADLINE);
	watchdog.unref();
	let A, B, C; // {site, ctx, inbox, conv, convId}; C: carol, the control
	try {
		clearArtifacts();
		const started = await startSites();
		py = started.py;
		const { alice, bob, carol } = started.info.sites;
		comment(`alice ${alice.url}  bob ${bob.url}  carol ${carol.url}  harness root ${started.info.root}`);

		const args = ['--disable-dev-shm-usage'];
		if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: !process.env.IC_BROWSER_HEADED,
			args,
		});
		comment('chromium ' + browser.version());
		const newSide = async (site) => {
			const ctx = await browser.newContext({ viewport: { width: 1024, height: 800 } });
			ctx.setDefaultTimeout(30000);
			return { site, ctx, inbox: watch(await ctx.newPage(), site.name + '-inbox') };
		};
		A = await newSide(alice);
		B = await newSide(bob);

		await step('owner pages without a session answer 303 to B/auth/login?next=<the page>', async () => {
			const bad = [];
			for (const route of ['/feed/', '/feed/contacts', '/auth/settings', '/auth/status']) {
				const r = await rawGet(alice.base_url + route);
				const loc = r.headers['location'] || '';
				const u = loc ? new URL(loc, alice.base_url + route) : null;
				const next = u ? u.searchParams.get('next') || '' : '';
				if (r.status !== 303 || !u || u.href.split('?')[0] !== alice.base_url + '/auth/login' ||
				    !(next === new URL(alice.base_url + route).pathname || next === alice.base_url + route)) {
					bad.push(`${route}: HTTP ${r.status} Location: ${loc || '-'}`);
				}
			}
			assert.deepStrictEqual(bad, []);
		});
		await step('alice signs in through B/auth/login and B/auth/authorize', () => signIn(A.inbox, alice), { id: 'in-a' });
		await step('bob signs in through B/auth/login and B/auth/authorize', () => signIn(B.inbox, bob), { id: 'in-b' });

		await step('alice invites bob through form#invite', async () => {
			await A.inbox.goto(alice.base_url + '/feed/');
			const form = await need(A.inbox, 'form#invite');
			const url = await need(A.inbox, 'form#invite [name=url]');
			assert.ok((await url.evaluate((el) => el.labels.length + (el.getAttribute('aria-label') ? 1 : 0))) > 0,
				'form#invite [name=url] has no label');
			await need(A.inbox, '#invite-result');
			await url.fill(bob.url);
			await form.locator('button[type=submit], input[type=submit], button:not([type])').first().click();
			await waitUntil('alice has a conversation with bob', () => convWith(A.ctx, alice, bob), 30000, { interval: 1000 });
			// indiechat.js reloads the inbox on success (the new conversation is
			// the outcome, #invite-result is left empty); it shows an error there.
			await A.inbox.waitForLoadState();
			const result = await waitUntil('#invite-result settles', async () => {
				const r = ((await A.inbox.locator('#invite-result').textContent({ timeout: 5000 })) || '').trim();
				return /(…|\.\.\.)$/.test(r) ? null : { r };
			}, 30000).then((x) => x.r);
			const c = await convWith(A.ctx, alice, bob);
			assert.strictEqual(c.state, 'invited', `alice's side after inviting: ${JSON.stringify(c)}`);
			await A.inbox.reload();
			await need(A.inbox, `#conversations li.conversation[data-conv="${c.id}"]`, 'the invited conversation');
			comment('#invite-result: ' + JSON.stringify(result));
			comment('alice\'s side: ' + JSON.stringify(await convWith(A.ctx, alice, bob)));
		}, { needs: ['in-a'], id: 'invite' });

		await step('bob sees alice in #requests and accepts', async () => {
			const sel = `#requests li.request[data-peer="${alice.url}"]`;
			await B.inbox.goto(bob.base_url + '/feed/');
			await waitUntil('alice in bob\'s #requests', async () => (await B.inbox.locator(sel).count()) > 0,
				DELIVERY, { interval: 3000, onTick: () => B.inbox.reload() });
			const li = B.inbox.locator(sel);
			for (const f of ['form.accept', 'form.decline', 'form.block']) {
				assert.strictEqual(await li.locator(f).count(), 1, `${sel} has no ${f}`);
			}
			await Promise.all([
				B.inbox.waitForNavigation({ timeout: 30000 }).catch(() => null),
				li.locator('form.accept').locator('button, input[type=submit]').first().click(),
			]);
			await waitUntil('bob\'s side is active', async () => {
				const c = await convWith(B.ctx, bob, alice);
				return c && c.state === 'active';
			}, 30000);
			await waitUntil('alice\'s side is active', async () => {
				const c = await convWith(A.ctx, alice, bob);
				return c && c.state === 'active';
			}, DELIVERY, { interval: 1000 });
			A.convId = (await convWith(A.ctx, alice, bob)).id;
			B.convId = (await convWith(B.ctx, bob, alice)).id;
		}, { needs: ['invite', 'in-b'], id: 'accept' });

		const HELLO = 'Hello Bob, from the browser';
		const live = {}; // what was seen without a reload, for the steps that report it
		await step('alice sends in form#compose; it reaches bob', async () => {
			await B.inbox.goto(bob.base_url + '/feed/');
			const before = await unreadOf(B.inbox, B.convId);
			assert.ok(before.found, `bob's #conversations has no li.conversation[data-conv="${B.convId}"]`);
			assert.ok(!before.shown, `unread shown before any message: ${JSON.stringify(before)}`);
			assert.ok(!/^\(\d+\) /.test(before.title), `title before any message: ${before.title}`);
			await mark(B.inbox);

			A.conv = watch(await A.ctx.newPage(), 'alice-conv');
			await A.conv.goto(`${alice.base_url}/feed/with/${A.convId}`);
			await need(A.conv, 'form#compose textarea[name=text]');
			for (const f of ['to', 'csrf', 'next']) await need(A.conv, `form#compose input[type=hidden][name=${f}]`);
			await mark(A.conv);
			await send(A.conv, HELLO);
			const mine = await waitUntil('alice sees her message', async () => findMessage(A.conv, 'out', HELLO), 30000);
			assert.ok(mine.seq && /^\d+$/.test(mine.seq), `li.message.out data-seq = ${mine.seq}`);
			assert.ok(['stored', 'notified', 'fetched'].includes(mine.state), `.state = ${mine.state}`);
			const labelled = await A.conv.getByLabel('Message', { exact: true }).evaluate((el) => el.matches('form#compose textarea[name=text]'));
			assert.ok(labelled, 'the label "Message" does not name form#compose textarea[name=text]');
			live.aliceSend = await A.conv.evaluate(() => window.__icNoReload === 'kept');
			await waitUntil('bob\'s live JSON counts it unread', async () => {
				const c = await convWith(B.ctx, bob, alice);
				return c && c.unread >= 1;
			}, DELIVERY, { interval: 1000 });
			live.delivered = Date.now();
		}, { needs: ['accept'], id: 'hello' });

		await step('sending in form#compose needs no reload (indiechat.js)', async () => {
			assert.ok(live.aliceSend, 'alice\'s conversation page was reloaded by sending');
		}, { needs: ['hello'] });

		await step('bob\'s open inbox shows title "(1) " and .unread 1 without a reload', async () => {
			await waitUntil('bob\'s inbox title "(1) "', async () => (await B.inbox.title()).startsWith('(1) '),
				Math.max(1000, live.delivered + LIVE - Date.now()));
			const after = await unreadOf(B.inbox, B.convId);
			assert.ok(after.shown && after.text === '1' && after.count === '1', `.unread after one message: ${JSON.stringify(after)}`);
			await notReloaded(B.inbox);
		}, { needs: ['hello'] });

		await step('bob opens the conversation from a.open: alice\'s message is there, with author and time', async () => {
			await B.inbox.reload(); // whatever the live update did, the page itself
			const u = await unreadOf(B.inbox, B.convId);
			assert.ok(u.shown && u.text === '1' && u.count === '1', `.unread on a fresh inbox: ${JSON.stringify(u)}`);
			assert.ok(u.title.startsWith('(1) '), `title of a fresh inbox: ${u.title}`);
			await shot(B.inbox, 'bob-inbox-unread');
			B.conv = watch(await B.ctx.newPage(), 'bob-conv');
			const open = await need(B.inbox, `#conversations li.conversation[data-conv="${B.convId}"] a.open`);
			await B.conv.goto(new URL(await open.getAttribute('href'), B.inbox.url()).href);
			assert.ok(B.conv.url().includes(`/feed/with/${B.convId}`), `a.open led to ${B.conv.url()}`);
			const m = await findMessage(B.conv, 'in', HELLO);
			assert.ok(m, `no li.message.in "${HELLO}": ${JSON.stringify(await messages(B.conv))}`);
			assert.ok(m.author.trim(), 'no .author');
			assert.ok(m.time && !isNaN(Date.parse(m.time)), `time[datetime] = ${m.time}`);
		}, { needs: ['hello'], id: 'read' });

		await step('unread count drops to 0 on bob\'s inbox once read', async () => {
			await B.inbox.reload();
			const u = await unreadOf(B.inbox, B.convId);
			assert.ok(u.found && !u.shown, `.unread after reading: ${JSON.stringify(u)}`);
			assert.ok(!/^\(\d+\) /.test(u.title), `title after reading: ${u.title}`);
		}, { needs: ['read'] });

		const REPLY = 'Hi Alice, typed with the keyboard only';
		await step('bob replies with the keyboard only (Tab to the textarea, type, Tab to submit, Enter)', async () => {
			await mark(A.conv);
			const ta = await need(B.conv, 'form#compose textarea[name=text]');
			// From the top of the page, Tab to the textarea.
			await B.conv.evaluate(() => { if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0); });
			let reached = false;
			for (let i = 0; i < 60 && !reached; i++) {
				await B.conv.keyboard.press('Tab');
				reached = await ta.evaluate((el) => el === document.activeElement);
			}
			assert.ok(reached, 'Tab never reached the compose textarea');
			await B.conv.keyboard.type(REPLY);
			// Tab on to the form's submit control and press it.
			let onSubmit = false;
			for (let i = 0; i < 10 && !onSubmit; i++) {
				await B.conv.keyboard.press('Tab');
				onSubmit = await B.conv.evaluate(() => {
					const el = document.activeElement;
					return !!el && !!el.form && el.form.id === 'compose' && el.type === 'submit';
				});
			}
			assert.ok(onSubmit, 'Tab from the textarea never reached the compose submit button');
			await B.conv.keyboard.press('Enter');
			await waitUntil('bob sees his reply', async () => findMessage(B.conv, 'out', REPLY), 30000);
			await waitUntil('alice\'s live JSON has the reply', async () => {
				const c = await api(A.ctx, alice, `/feed/api/with/${A.convId}`);
				return (c.messages || []).some((m) => m.text === REPLY && m.dir === 'in');
			}, DELIVERY, { interval: 1000 });
			live.replied = Date.now();
		}, { needs: ['read'], id: 'reply' });

		await step('alice\'s open conversation page shows the reply without a reload', async () => {
			await waitUntil('the reply on alice\'s page', async () => findMessage(A.conv, 'in', REPLY),
				Math.max(1000, live.replied + LIVE - Date.now()));
			await notReloaded(A.conv);
		}, { needs: ['reply'] });

		await step('alice\'s message reaches delivery state "fetched"', async () => {
			await waitUntil('state fetched', async () => {
				const m = await findMessage(A.conv, 'out', HELLO);
				return m && m.state === 'fetched';
			}, DELIVERY, { interval: 2000, onTick: async () => {
				const m = await findMessage(A.conv, 'out', HELLO);
				if (!m || m.state !== 'fetched') await A.conv.reload();
			} });
			const c = await api(A.ctx, alice, `/feed/api/with/${A.convId}`);
			const m = (c.messages || []).find((x) => x.text === HELLO);
			assert.ok(m && m.state === 'fetched', `live JSON state: ${m && m.state}`);
		}, { needs: ['hello'] });

		await step('screenshots of inbox and conversation on both sites', async () => {
			await A.inbox.goto(alice.base_url + '/feed/');
			await B.inbox.goto(bob.base_url + '/feed/');
			await shot(A.inbox, 'alice-inbox');
			await shot(B.inbox, 'bob-inbox');
			assert.ok(A.conv && B.conv, 'no conversation pages');
			await shot(A.conv, 'alice-conversation');
			await shot(B.conv, 'bob-conversation');
		}, { needs: ['in-a', 'in-b'] });

		// Every page that a person sees: labelled inputs, no horizontal scroll at 375px.
		const ownerPages = (side, peer) => [
			['inbox', '/feed/'],
			['conversation', side.convId ? `/feed/with/${side.convId}` : null],
			['contacts', '/feed/contacts'],
			['settings', '/auth/settings'],
			['status', '/auth/status'],
		];
		await step('every input, textarea and select on the pages has a label', async () => {
			const bad = [];
			const p = watch(await A.ctx.newPage(), 'alice-labels');
			for (const [label, route] of ownerPages(A, bob)) {
				if (!route) { bad.push(`${label}: not reached`); continue; }
				const r = await p.goto(alice.base_url + route);
				if (!r || r.status() >= 400) { bad.push(`${label} ${route}: HTTP ${r && r.status()}`); continue; }
				for (const b of await unlabelled(p)) bad.push(`${label} ${route}: ${b}`);
			}
			await p.close();
			const fresh = await browser.newContext();
			const q = watch(await fresh.newPage(), 'signed-out');
			await q.goto(alice.base_url + '/auth/login');
			for (const b of await unlabelled(q)) bad.push(`login: ${b}`);
			await q.getByLabel('Your domain').fill(alice.url);
			await Promise.all([q.waitForURL(/\/auth\/authorize/), q.getByRole('button', { name: 'Sign in' }).click()]);
			for (const b of await unlabelled(q)) bad.push(`authorize: ${b}`);
			await fresh.close();
			assert.deepStrictEqual(bad, []);
		}, { needs: ['in-a'] });

		await step('no horizontal scroll at 375px wide', async () => {
			const bad = [];
			const p = watch(await A.ctx.newPage(), 'alice-375');
			await p.setViewportSize({ width: 375, height: 740 });
			for (const [label, route] of ownerPages(A, bob)) {
				if (!route) { bad.push(`${label}: not reached`); continue; }
				await p.goto(alice.base_url + route);
				const o = await horizontalOverflow(p);
				if (o.scrollWidth > o.innerWidth) {
					bad.push(`${label} ${route}: scrollWidth ${o.scrollWidth} > ${o.innerWidth}; sticking out: ${o.culprits.join('; ')}`);
					await shot(p, `overflow-375-${label}`);
				}
				if (label === 'inbox' || label === 'conversation') await shot(p, `alice-${label}-375`);
			}
			await p.close();
			const fresh = await browser.newContext({ viewport: { width: 375, height: 740 } });
			const q = watch(await fresh.newPage(), 'signed-out-375');
			await q.goto(alice.base_url + '/auth/login');
			const o = await horizontalOverflow(q);
			if (o.scrollWidth > o.innerWidth) bad.push(`login: scrollWidth ${o.scrollWidth} > ${o.innerWidth}; sticking out: ${o.culprits.join('; ')}`);
			await fresh.close();
			assert.deepStrictEqual(bad, []);
		}, { needs: ['in-a'] });

		const AFTER = 'This one should never arrive';
		await step('alice blocks bob on the contacts page; bob\'s next message does not arrive, carol\'s does', async () => {
			const p = watch(await A.ctx.newPage(), 'alice-contacts');
			await p.goto(alice.base_url + '/feed/contacts');
			const li = p.locator(`li.contact[data-peer="${bob.url}"]`);
			assert.strictEqual(await li.count(), 1, `no li.contact[data-peer="${bob.url}"]`);
			assert.strictEqual(await li.locator('form.revoke').count(), 1, 'no form.revoke');
			await Promise.all([
				p.waitForNavigation({ timeout: 30000 }).catch(() => null),
				li.locator('form.block').locator('button, input[type=submit]').first().click(),
			]);
			await waitUntil('alice\'s side is blocked', async () => {
				const c = await convWith(A.ctx, alice, bob);
				return !c || c.state === 'blocked';
			}, 30000);
			comment('alice\'s side after the block: ' + JSON.stringify(await convWith(A.ctx, alice, bob)));
			await p.close();

			// The control: carol (whose conversation with alice sites.py
			// set up) writes to alice in the same window, and that arrives
			// live on alice's open page for carol.
			C = await newSide(carol);
			await signIn(C.inbox, carol);
			const cc = await convWith(C.ctx, carol, alice);
			const ac = await convWith(A.ctx, alice, carol);
			assert.ok(cc && cc.state === 'active', `carol's side: ${JSON.stringify(cc)}`);
			assert.ok(ac && ac.state === 'active', `alice's side with carol: ${JSON.stringify(ac)}`);
			C.conv = watch(await C.ctx.newPage(), 'carol-conv');
			await C.conv.goto(`${carol.base_url}/feed/with/${cc.id}`);
			const withCarol = watch(await A.ctx.newPage(), 'alice-conv-carol');
			await withCarol.goto(`${alice.base_url}/feed/with/${ac.id}`);
			const CONTROL = 'Carol writes while bob is blocked';

			// Bob sends once more: his side does not know of the block.
			await A.conv.goto(`${alice.base_url}/feed/with/${A.convId}`);
			assert.strictEqual((await A.conv.locator('#conv-state').textContent()).trim(), 'blocked',
				'alice\'s open page is not her (blocked) conversation with bob');
			const t0 = Date.now();
			await send(B.conv, AFTER);
			const sent = await waitUntil('bob\'s page shows the message sent', () => findMessage(B.conv, 'out', AFTER), 30000);
			comment(`bob's page after sending: shows it, state ${sent.state}`);
			await send(C.conv, CONTROL);
			await waitUntil('carol\'s page shows the control sent', () => findMessage(C.conv, 'out', CONTROL), 30000);
			// Well past a normal delivery (maintenance runs every 2 s); the
			// control must arrive in this window.
			let arrived = null;
			while (Date.now() - t0 < 25000) {
				await sleep(2500);
				assert.ok(!(await findMessage(A.conv, 'in', AFTER)), 'the message arrived on alice\'s open page after the block');
				if (!arrived && (await findMessage(withCarol, 'in', CONTROL))) arrived = Date.now() - t0;
			}
			assert.ok(arrived, `carol's message, sent in the same window, did not reach alice's open page in ${(Date.now() - t0) / 1000}s`);
			comment(`the control arrived after ${(arrived / 1000).toFixed(1)}s`);
			await A.conv.reload();
			assert.ok(!(await findMessage(A.conv, 'in', AFTER)), 'the message is on alice\'s page after the block');
			const conv = await api(A.ctx, alice, `/feed/api/with/${A.convId}`);
			assert.ok(!(conv.messages || []).some((m) => m.text === AFTER), 'the message is in alice\'s live JSON');
			await withCarol.close();
		}, { needs: ['reply'] });

		await step('no JavaScript errors on the pages', async () => {
			assert.deepStrictEqual(pageErrors, []);
		});
	} catch (e) {
		n++; failed++;
		if (!over) console.log(`not ok ${n} - browser test setup`);
		comment(e && e.stack ? e.stack : e);
	} finally {
		if (browser) await browser.close().catch(() => {});
		const code = over ? 0 : await stopSites(py);
		if (code && !over) {
			n++; failed++;
			console.log(`not ok ${n} - the sites' logs show no crash (sites.py exited ${code})`);
		}
	}
	clearTimeout(watchdog);
	if (over) return;
	console.log(`1..${n}`);
	console.log(`browser: ${passed} passed, ${failed} failed`);
	process.exitCode = failed ? 1 : 0;
}

// tests/browser/xss.test.js runs on the same sites and helpers, and
// tests/browser/lib.js builds on them for the other tests.
module.exports = {
	chromium, ARTIFACTS, comment, step, tap: () => ({ n, passed, failed }), startSites, stopSites,
	waitUntil, mark, notReloaded, watch, shot, signIn, api, convWith, messages, sleep,
};
if (require.main === module) main();
