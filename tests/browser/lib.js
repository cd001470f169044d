// tests/browser/lib.js - what the two-site browser tests share
// (attach, edit, look, react, reply): the harness of chat.test.js (TAP
// steps, the sites, sign-in, the live JSON, page watching), plus
// * run(name, body): start alice and carol (tests/browser/sites.py) and
//   Chromium, call body({ sites, browser, root }), print "not ok - NAME test
//   setup" if it throws, stop everything and print "NAME: N passed, N
//   failed" (exit status 1 when anything failed); a watchdog stops the
//   test after IC_BROWSER_DEADLINE ms (default 600 s);
// * context(browser, viewport): a browser context with a 30 s timeout;
// * shot(page, name): a screenshot of the viewport, as a person sees it
//   (chat.test.js's own shot takes the full page);
// * axe(page, what): axe-core's violations (WCAG 2.1 A/AA and best
//   practices), one line each;
// * sendFrom / postFrom: POST B/send from a signed-in page, as
//   indiechat.js does;
// * item(page, text): the li of the message whose text has @p text;
// * twoSides(browser, name, errors): alice's and carol's contexts and
//   first pages;
// * signInBoth(ai, alice, ci, carol): both sign in; their conversations;
// * carolSays(ci, carol, A, alice, convA, texts): carol writes to alice;
// * withoutJs(browser, from, url): a page without JavaScript;
// * noErrors(errors): the last step, no page reported an error;
// * inThemes(...): a page for each theme and width, for axe-core and
//   screenshots (conversationLooks: both on a conversation).
//
// Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const t = require('./chat.test.js');

const SRCDIR = path.resolve(process.env.IC_TOP_SRCDIR || path.join(__dirname, '..', '..'));
const CHROMIUM = process.env.IC_CHROMIUM || '/usr/bin/chromium';
const DELIVERY = Number(process.env.IC_BROWSER_TIMEOUT || 60000);

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js',
	{ paths: [path.join(SRCDIR, 'tests', 'js', 'node_modules'), path.join(SRCDIR, 'tests', 'js')] }), 'utf8');

// A screenshot of the viewport, NAME.png in $IC_ARTIFACTS.
async function shot(page, name) {
	await t.shot(page, name, { fullPage: false });
}

// Each violation as "WHAT: id (impact): help -- node: why | ..."; with
// { why: false } the nodes only, without axe's failure summary.
async function axe(page, what, { why = true } = {}) {
	await page.evaluate(AXE);
	const r = await page.evaluate(async (why) => {
		const res = await window.axe.run(document, {
			runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
			resultTypes: ['violations'],
		});
		return res.violations.map((v) => `${v.id} (${v.impact}): ${v.help} -- ` +
			v.nodes.slice(0, 3).map((n) => n.target.join(' ') +
				(why ? ': ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 160) : '')).join(' | '));
	}, why);
	return r.map((x) => `${what}: ${x}`);
}

async function post(page, site, fields) {
	const r = await page.evaluate(async ([b, fields]) => {
		const csrf = await (await fetch(b + '/auth/session', { headers: { Accept: 'application/json' } })).json();
		const body = new URLSearchParams(Object.assign({ csrf: csrf.csrf }, fields));
		const res = await fetch(b + '/send', { method: 'POST', body, headers: { Accept: 'application/json' } });
		return { status: res.status, text: await res.text() };
	}, [site.base_url, fields]);
	assert.strictEqual(r.status, 200, `POST B/send: ${r.status} ${r.text}`);
	return r;
}

// POST B/send with @p fields (and the session's csrf); its JSON.
async function postFrom(page, site, fields) {
	return JSON.parse((await post(page, site, fields)).text);
}

// POST B/send: @p text to @p to.
async function sendFrom(page, site, to, text) {
	await post(page, site, { to, text });
}

// The li of the message whose text is @p text.
function item(page, text) {
	return page.locator('#messages li.message').filter({ has: page.locator('.text', { hasText: text }) }).first();
}

// alice's and carol's contexts at 1280 x 800, A and C, each of whose pages
// reports its errors into @p errors ("alice: message"), and a watched first
// page in each, ai and ci (NAME-alice and NAME-carol).
async function twoSides(browser, name, errors) {
	const A = await context(browser, { width: 1280, height: 800 });
	const C = await context(browser, { width: 1280, height: 800 });
	for (const [ctx, who] of [[A, 'alice'], [C, 'carol']]) {
		ctx.on('page', (p) => p.on('pageerror', (e) => errors.push(`${who}: ${e.message}`)));
	}
	const ai = t.watch(await A.newPage(), name + '-alice');
	const ci = t.watch(await C.newPage(), name + '-carol');
	return { A, C, ai, ci };
}

// carol (on page @p ci) sends each of @p texts to alice, and waits (up to
// IC_BROWSER_TIMEOUT) until all of them are in alice's conversation @p convA,
// as her context @p A reads it.
async function carolSays(ci, carol, A, alice, convA, texts) {
	for (const text of texts) await sendFrom(ci, carol, alice.url, text);
	await t.waitUntil('carol\'s messages reach alice', async () => {
		const c = await t.api(A, alice, `/feed/api/with/${convA}`);
		return texts.every((x) => (c.messages || []).some((m) => m.text === x));
	}, DELIVERY, { interval: 1000 });
}

// @p ai signs in as @p alice, then @p ci as @p carol: the ids of their
// conversations with each other (convA on alice's side, convC on carol's)
// and withA, alice's page of hers.
async function signInBoth(ai, alice, ci, carol) {
	await t.signIn(ai, alice);
	await t.signIn(ci, carol);
	const convA = (await t.convWith(ai.context(), alice, carol)).id;
	const convC = (await t.convWith(ci.context(), carol, alice)).id;
	return { convA, convC, withA: `${alice.base_url}/feed/with/${convA}` };
}

// In light and dark, at 1280 x 800 and 375 x 740: a new page signed in as
// @p ctx is (its cookies) opens @p url and goes to fn(page, width,
// scheme); its errors go to @p errors as "WHO WIDTH SCHEME: message".
async function inThemes(browser, ctx, who, url, errors, fn) {
	for (const scheme of ['light', 'dark']) {
		for (const [w, h] of [[1280, 800], [375, 740]]) {
			const c = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
			await c.addCookies(await ctx.cookies());
			const p = await c.newPage();
			p.on('pageerror', (e) => errors.push(`${who} ${w} ${scheme}: ${e.message}`));
			await p.goto(url);
			await fn(p, w, scheme);
			await c.close();
		}
	}
}

// Into @p bad, axe-core's findings on the conversation page @p p (in
// inThemes, @p w wide in @p scheme); then its screenshot NAME-W-SCHEME.
async function conversationLooks(p, w, scheme, name, bad) {
	bad.push(...await axe(p, `conversation ${w} ${scheme}`));
	await shot(p, `${name}-${w}-${scheme}`);
}

// A page at 1280 x 800 without JavaScript, signed in as @p from is (its
// cookies), at @p url; close its ctx when done.
async function withoutJs(browser, from, url) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });
	await ctx.addCookies(await from.cookies());
	const p = await ctx.newPage();
	await p.goto(url);
	return { ctx, p };
}

// The last step of a test: no page reported an error into @p errors.
function noErrors(errors) {
	return t.step('no JavaScript errors on the pages', async () => {
		assert.deepStrictEqual(errors, []);
	});
}

// A browser context of that viewport, whose actions time out after 30 s.
async function context(browser, viewport) {
	const ctx = await browser.newContext({ viewport });
	ctx.setDefaultTimeout(30000);
	return ctx;
}

// The test NAME: see the top of this file.
async function run(name, body) {
	let py, browser;
	const watchdog = setTimeout(() => {
		console.log(`not ok - the ${name} test (stopped after 600 s)`);
		process.exit(1);
	}, Number(process.env.IC_BROWSER_DEADLINE || 600000));
	watchdog.unref();
	try {
		const started = await t.startSites(['--only', 'alice', 'carol']);
		py = started.py;
		const args = ['--disable-dev-shm-usage'];
		if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
		browser = await t.chromium.launch({ executablePath: CHROMIUM, headless: !process.env.IC_BROWSER_HEADED, args });
		await body({ sites: started.info.sites, browser, root: started.info.root });
	} catch (e) {
		console.log(`not ok - ${name} test setup`);
		t.comment(e && e.stack ? e.stack : e);
	} finally {
		if (browser) await browser.close().catch(() => {});
		await t.stopSites(py);
	}
	const { n, passed, failed } = t.tap();
	console.log(`1..${n}`);
	console.log(`${name}: ${passed} passed, ${failed} failed`);
	process.exitCode = failed ? 1 : 0;
	clearTimeout(watchdog);
}

module.exports = Object.assign({}, t, { DELIVERY, run, context, shot, axe, sendFrom, postFrom, item,
	twoSides, signInBoth, carolSays, inThemes, conversationLooks,
	withoutJs, noErrors });
