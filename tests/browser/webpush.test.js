#!/usr/bin/env node
// tests/browser/webpush.test.js - the settings page's "Notifications on
// this device" switch in headless Chromium (issue 16, Web Push), up to
// the boundary this machine allows.
//
// alice alone (tests/browser/sites.py --only alice --webpush), signed in
// through the real pages, in a context that was granted 'notifications':
// * every page links the web app manifest, which says standalone and
//   starts at B/feed/;
// * the settings page registers public/sw.js (an active service worker
//   whose script is B/public/sw.js) and the switch becomes usable, off;
// * turning it on asks for the site's VAPID key (GET B/auth/webpush,
//   87 base64url characters: an uncompressed P-256 point) and calls
//   pushManager.subscribe() with it.  Headless Chromium here has no
//   vendor push service to reach (no network, no Google Cloud Messaging
//   registration) and refuses the subscription ("Registration failed -
//   permission denied", even with 'notifications' granted): the test checks
//   that the page says why ("Not done: ...") and leaves the switch off,
//   with no device stored.  Should a subscription succeed (a browser that
//   can reach its push service), the test checks instead that the page
//   POSTed it (B/auth/webpush says 1 device) and that turning the switch
//   off removes it.  The comment line says which boundary was met.
// What lies beyond (a push service delivering to this browser) is covered
// by tests/integration/test_webpush.py with a push-service fixture.
//
// Prints TAP lines like chat.test.js and ends with "webpush: N passed, N
// failed".  Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const t = require('./chat.test.js');

const { comment, step, waitUntil } = t;

async function main() {
	let py, browser;
	const watchdog = setTimeout(() => {
		console.log('not ok - the webpush browser test (stopped after 240 s)');
		console.log('webpush: 0 passed, 1 failed');
		process.exit(1);
	}, Number(process.env.IC_BROWSER_DEADLINE || 240000));
	watchdog.unref();
	const started = Date.now();
	try {
		const s = await t.startSites(['--only', 'alice', '--webpush']);
		py = s.py;
		const alice = s.info.sites.alice;
		const args = ['--disable-dev-shm-usage'];
		if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
		browser = await t.chromium.launch({ executablePath: process.env.IC_CHROMIUM || '/usr/bin/chromium',
			headless: !process.env.IC_BROWSER_HEADED, args });
		const ctx = await browser.newContext({ viewport: { width: 1024, height: 800 } });
		ctx.setDefaultTimeout(30000);
		await ctx.grantPermissions(['notifications'], { origin: new URL(alice.base_url).origin });
		const page = t.watch(await ctx.newPage(), 'webpush');
		const settings = alice.base_url + '/auth/settings';
		const seen = [];
		page.on('request', (r) => seen.push(r.method() + ' ' + new URL(r.url()).pathname));

		await step('alice signs in; her pages link the web app manifest', async () => {
			await t.signIn(page, alice);
			const href = await page.getAttribute('link[rel=manifest]', 'href');
			assert.ok(href && href.endsWith('/public/manifest.webmanifest'), href);
			const m = await page.evaluate(async (u) => (await fetch(u)).json(), href);
			assert.strictEqual(m.display, 'standalone');
			assert.strictEqual(new URL(m.start_url, new URL(href, page.url())).href, alice.base_url + '/feed/');
			// Installable: a 192 and a 512 px PNG (Chromium's rule), a maskable
			// one, and each icon loads at the size the manifest says.
			const sizes = m.icons.map((i) => i.sizes);
			assert.ok(sizes.includes('192x192') && sizes.includes('512x512'), sizes.join(' '));
			assert.ok(m.icons.some((i) => i.purpose === 'maskable'));
			for (const icon of m.icons) {
				const got = await page.evaluate((u) => new Promise((ok) => {
					const img = new Image();
					img.onload = () => ok(img.naturalWidth + 'x' + img.naturalHeight);
					img.onerror = () => ok('unloadable');
					img.src = u;
				}), new URL(icon.src, new URL(href, page.url())).href);
				assert.ok(icon.sizes === 'any' ? got !== 'unloadable' : got === icon.sizes,
				          icon.src + ': ' + got);
			}
			const tab = await page.getAttribute('link[rel=icon]', 'href');
			assert.ok(tab && /\/public\/icon\.svg$|^data:image\/png/.test(tab), tab);
		}, { id: 'signed-in' });

		await step('the settings page registers the service worker; the switch is usable, off', async () => {
			await page.goto(settings);
			await waitUntil('the switch is enabled', () => page.isEnabled('#webpush-on'), 20000);
			assert.strictEqual(await page.isChecked('#webpush-on'), false);
			// Its scope is B/public/ (it controls no page): not .ready.
			const sw = await waitUntil('an active worker', () => page.evaluate(async () => {
				const all = await navigator.serviceWorker.getRegistrations();
				return all.length === 1 && all[0].active ? all[0].active.scriptURL : null;
			}), 20000);
			assert.strictEqual(sw, alice.base_url + '/public/sw.js');
			assert.strictEqual(await page.evaluate(() => Notification.permission), 'granted');
			comment('state: ' + await page.textContent('#webpush-state'));
			// The switch as the owner sees it: both widths, both themes.
			for (const [w, scheme] of [[1280, 'light'], [1280, 'dark'], [375, 'light'], [375, 'dark']]) {
				await page.setViewportSize({ width: w, height: 800 });
				await page.emulateMedia({ colorScheme: scheme });
				await t.shot(page, `settings-${w}-${scheme}`);
			}
			await page.setViewportSize({ width: 1024, height: 800 });
			await page.emulateMedia({ colorScheme: 'light' });
		}, { id: 'worker', needs: ['signed-in'] });

		await step('turning it on fetches the VAPID key and subscribes (up to the push service)', async () => {
			const keyAnswer = page.waitForResponse((r) => r.url() === alice.base_url + '/auth/webpush');
			// click(), not check(): check() fails when the page turns the
			// switch back off (a refused subscription) before it looks.
			await page.click('#webpush-on');
			const key = await (await keyAnswer).json();
			assert.match(key.key, /^B[A-Za-z0-9_-]{86}$/);
			const said = await waitUntil('the page settles', async () => {
				const text = await page.textContent('#webpush-state');
				return /^(On|Not done)/.test(text) ? text : null;
			}, 30000);
			comment('state: ' + said);
			const devices = async () => (await t.api(ctx, alice, '/auth/webpush')).devices;
			if (said.startsWith('Not done')) {
				// The boundary: no vendor push service reachable here.
				comment('boundary: pushManager.subscribe() was refused by this Chromium (' +
					(await page.getAttribute('#webpush', 'data-error')) + '); nothing stored');
				assert.strictEqual(await page.isChecked('#webpush-on'), false);
				assert.strictEqual(await page.isEnabled('#webpush-on'), true);
				assert.ok(!seen.includes('POST ' + new URL(alice.base_url + '/auth/webpush/subscribe').pathname));
				assert.strictEqual(await devices(), 0);
			} else {
				comment('boundary: this Chromium reached its push service; subscription stored');
				assert.strictEqual(await devices(), 1);
				await page.uncheck('#webpush-on');
				await waitUntil('off again', async () => /^Off/.test(await page.textContent('#webpush-state')), 30000);
				assert.strictEqual(await devices(), 0);
			}
		}, { needs: ['worker'] });
	} catch (e) {
		console.log('not ok - webpush test setup');
		comment(e && e.stack ? e.stack : e);
	} finally {
		if (browser) await browser.close().catch(() => {});
		const code = py ? await t.stopSites(py) : 0;
		const { n, passed, failed } = t.tap();
		let f = failed;
		if (code) { console.log(`not ok ${n + 1} - the site's logs show no crash (sites.py exited ${code})`); f++; }
		console.log(`1..${n + (code ? 1 : 0)}`);
		console.log(`webpush: ${passed} passed, ${f} failed (${((Date.now() - started) / 1000).toFixed(0)}s)`);
		process.exitCode = f ? 1 : 0;
	}
	clearTimeout(watchdog);
}

main();
