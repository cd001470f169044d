#!/usr/bin/env node
// tests/browser/idle_rate.js - requests per minute of an idle open tab
// (issue 14), for scripts/bench: alice's conversation page open in headless
// Chromium with nothing happening, counted for IC_IDLE_SECONDS (default 60)
// while the tab is visible and again while it is hidden, with
// public/indiechat.js as it is and with the script of IC_IDLE_BEFORE (a git
// revision, default "main": the 2-second polling) served in its place.
// Prints one line per case:
//   idle-tab <before|after> <visible|hidden>: N requests in S s = R/min
// A hidden tab is simulated (document.hidden, visibilitychange): headless
// Chromium shows every page.
// Environment: as tests/browser/chat.test.js.
'use strict';

const { execFileSync } = require('child_process');
const path = require('path');
const t = require('./chat.test.js');

const SRCDIR = path.resolve(process.env.IC_TOP_SRCDIR || path.join(__dirname, '..', '..'));
const SECONDS = Number(process.env.IC_IDLE_SECONDS || 60);
const BEFORE = process.env.IC_IDLE_BEFORE || 'main';

async function count(browser, cookies, url, script, hidden) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	await ctx.addCookies(cookies);
	if (script !== null) {
		await ctx.route('**/public/indiechat.js', (r) => r.fulfill({ contentType: 'text/javascript', body: script }));
	}
	if (hidden) {
		await ctx.addInitScript(() => {
			Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
			Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
		});
	}
	const page = await ctx.newPage();
	let n = 0;
	page.on('request', (r) => { if (r.url().includes('/feed/api/')) n++; });
	await page.goto(url);
	await page.waitForLoadState('networkidle').catch(() => {});
	n = 0;
	await t.sleep(SECONDS * 1000);
	await ctx.close();
	return n;
}

async function main() {
	let py, browser, code = 0;
	try {
		const started = await t.startSites(['--only', 'alice', 'carol']);
		py = started.py;
		const { alice, carol } = started.info.sites;
		const args = ['--disable-dev-shm-usage'];
		if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
		browser = await t.chromium.launch({ executablePath: process.env.IC_CHROMIUM || '/usr/bin/chromium', args });
		const ctx = await browser.newContext();
		const page = await ctx.newPage();
		await t.signIn(page, alice);
		const conv = (await t.convWith(ctx, alice, carol)).id;
		const cookies = await ctx.cookies();
		const url = `${alice.base_url}/feed/with/${conv}`;
		let old = null;
		try {
			old = execFileSync('git', ['-C', SRCDIR, 'show', `${BEFORE}:public/indiechat.js`], { encoding: 'utf8' });
		} catch (e) {
			console.log(`# idle-tab: no ${BEFORE}:public/indiechat.js in git; "before" not measured`);
		}
		for (const [label, script] of [['before', old], ['after', null]]) {
			if (label === 'before' && old === null) continue;
			for (const hidden of [false, true]) {
				const n = await count(browser, cookies, url, script, hidden);
				console.log(`idle-tab ${label} ${hidden ? 'hidden' : 'visible'}: ${n} requests in ${SECONDS} s = ` +
					`${(n * 60 / SECONDS).toFixed(1)}/min`);
			}
		}
	} catch (e) {
		console.log('# idle-tab: ' + (e && e.stack ? e.stack : e));
		code = 1;
	} finally {
		if (browser) await browser.close().catch(() => {});
		await t.stopSites(py);
	}
	process.exitCode = code;
}

main();
