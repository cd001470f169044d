#!/usr/bin/env node
// tests/browser/react.test.js - reactions (issue 15) in headless Chromium,
// on two real sites (alice and carol, tests/browser/sites.py):
// * 1280 px: each message's picker (details.react) shows on hover; it is
//   reached from the keyboard as Reply is (the arrows to the message,
//   then Tab), and is not a Tab stop before that; Enter opens it and a
//   button reacts (the script posts it and redraws, no reload): the
//   reaction shows under the message
//   ("from You"), and, delivered, under carol's copy ("from" alice); a
//   second choice replaces the first;
// * without JavaScript the picker's form posts and the page comes back
//   with the reaction;
// * a reaction that arrives is drawn on the open page (the JSON's
//   "changes" moved) without a reload;
// * light and dark: axe-core finds nothing with the picker open;
//   screenshots react-*.png in $IC_ARTIFACTS.
//
// Prints TAP lines like chat.test.js and ends with "react: N passed, N
// failed".  Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const t = require('./lib.js');

const { comment, step, waitUntil, watch, api, DELIVERY, shot, axe, item, signInBoth, inThemes, twoSides, carolSays, noErrors, withoutJs, conversationLooks } = t;

const CAROL_SAYS = ['The cake is ready', 'Come and get a slice'];
const UP = '\u{1F44D}';
const HEART = '\u2764\uFE0F';
const JOY = '\u{1F602}';

async function main({ sites, browser }) {
	const errors = [];
	const { alice, carol } = sites;
	comment(`alice ${alice.url}  carol ${carol.url}`);
	const { A, C, ai, ci } = await twoSides(browser, 'react', errors);
	let convA, convC, withA, page;

	await step('alice and carol sign in; carol says two things', async () => {
		({ convA, convC, withA } = await signInBoth(ai, alice, ci, carol));
		await carolSays(ci, carol, A, alice, convA, CAROL_SAYS);
	}, { id: 'setup' });

	await step('1280 px: the picker is reached from the keyboard and reacts', async () => {
		page = watch(await A.newPage(), 'react-alice-conv');
		await page.goto(withA);
		assert.strictEqual(await page.locator('#messages details.react > summary:not([tabindex="-1"])').count(), 0,
			'pickers are Tab stops before any message has the focus');
		const li = item(page, 'The cake is ready');
		await li.locator('.bubble').hover();
		await shot(page, 'react-hover-1280-light');
		await page.mouse.move(1, 1);
		await page.locator('#scroller').focus();
		await page.keyboard.press('Enter');
		for (let i = 0; i < 10 && !(await li.evaluate((el) => el === document.activeElement)); i++) {
			await page.keyboard.press('ArrowUp');
		}
		assert.ok(await li.evaluate((el) => el === document.activeElement), 'the arrows never reached the message');
		await page.keyboard.press('Tab'); // its Reply
		await page.keyboard.press('Tab'); // its picker
		const summary = li.locator('details.react > summary');
		assert.ok(await summary.evaluate((el) => el === document.activeElement), 'Tab does not reach the picker');
		await page.keyboard.press('Enter');
		assert.ok(await li.locator('details.react').evaluate((el) => el.open), 'Enter does not open the picker');
		await shot(page, 'react-open-1280-light');
		await page.keyboard.press('Tab');
		const first = li.locator('details.react button').first();
		assert.ok(await first.evaluate((el) => el === document.activeElement), 'Tab does not reach the first emoji');
		assert.strictEqual(await first.getAttribute('value'), UP);
		// The script posts with fetch and redraws (issue 15): no reload.
		await page.keyboard.press('Enter');
		const chip = item(page, 'The cake is ready').locator('ul.reactions li.reaction');
		await waitUntil('the reaction is drawn', async () => (await chip.count()) === 1, DELIVERY, { interval: 300 });
		assert.strictEqual(await chip.count(), 1, 'no reaction under the message');
		assert.ok((await chip.textContent()).includes(`${UP} from You`), await chip.textContent());
		const a = await api(A, alice, `/feed/api/with/${convA}`);
		assert.strictEqual(a.messages.find((m) => m.text === 'The cake is ready').my_reaction, UP);
		assert.ok(!a.messages.some((m) => m.text === UP), 'the reaction is listed as a message');
	}, { needs: ['setup'], id: 'react' });

	await step('the reaction reaches carol, under her message; a second one replaces it', async () => {
		await waitUntil('carol has alice\'s reaction', async () => {
			const c = await api(C, carol, `/feed/api/with/${convC}`);
			const m = (c.messages || []).find((x) => x.text === 'The cake is ready');
			return m && m.their_reaction === UP;
		}, DELIVERY, { interval: 1000 });
		await ci.goto(`${carol.base_url}/feed/with/${convC}`);
		assert.ok((await item(ci, 'The cake is ready').locator('ul.reactions').textContent()).includes(UP));
		await shot(ci, 'react-received-1280-light');
		const li = item(page, 'The cake is ready');
		await li.locator('.bubble').hover();
		await li.locator('details.react > summary').click();
		await li.locator(`details.react button[value="${HEART}"]`).click();
		const chips = item(page, 'The cake is ready').locator('ul.reactions li.reaction');
		await waitUntil('the new reaction is drawn', async () =>
			(await chips.count()) === 1 && (await chips.textContent()).includes(HEART), DELIVERY, { interval: 300 });
		assert.strictEqual(await chips.count(), 1);
		assert.ok((await chips.textContent()).includes(HEART));
		await waitUntil('carol has the new reaction', async () => {
			const c = await api(C, carol, `/feed/api/with/${convC}`);
			const m = (c.messages || []).find((x) => x.text === 'The cake is ready');
			return m && m.their_reaction === HEART;
		}, DELIVERY, { interval: 1000 });
	}, { needs: ['react'] });

	await step('without JavaScript the picker posts', async () => {
		const { ctx, p } = await withoutJs(browser, A, withA);
		const li = item(p, 'Come and get a slice');
		await li.locator('details.react > summary').click();
		await Promise.all([p.waitForNavigation(), li.locator(`details.react button[value="${JOY}"]`).click()]);
		const a = await api(A, alice, `/feed/api/with/${convA}`);
		assert.strictEqual(a.messages.find((m) => m.text === 'Come and get a slice').my_reaction, JOY);
		await p.waitForSelector('#messages ul.reactions');
		await ctx.close();
	}, { needs: ['setup'] });

	await step('a reaction that arrives shows on the open page without a reload', async () => {
		await page.goto(withA);
		const li = item(page, 'Come and get a slice');
		const uid = await li.getAttribute('data-uid');
		const r = await ci.evaluate(async ([b, to, uid, react]) => {
			const csrf = await (await fetch(b + '/auth/session', { headers: { Accept: 'application/json' } })).json();
			const body = new URLSearchParams({ csrf: csrf.csrf, to, reply_to: uid, react });
			const res = await fetch(b + '/send', { method: 'POST', body, headers: { Accept: 'application/json' } });
			return { status: res.status, text: await res.text() };
		}, [carol.base_url, alice.url, uid, UP]);
		assert.strictEqual(r.status, 200, `POST B/send react: ${r.status} ${r.text}`);
		await waitUntil('carol\'s reaction is drawn on alice\'s open page', async () => {
			const t = await item(page, 'Come and get a slice').locator('ul.reactions').textContent().catch(() => '');
			return t.includes(`${UP} from`);
		}, DELIVERY, { interval: 500 });
		await shot(page, 'react-live-1280-light');
	}, { needs: ['react'] });

	await step('light and dark, 1280 and 375: axe-core finds nothing with a picker open', async () => {
		const bad = [];
		await inThemes(browser, A, 'alice', withA, errors, async (p, w, scheme) => {
			const li = item(p, 'Come and get a slice');
			if (w > 400) await li.locator('.bubble').hover();
			await li.locator('details.react > summary').click();
			await conversationLooks(p, w, scheme, 'react', bad);
		});
		assert.deepStrictEqual(bad, []);
	}, { needs: ['react'] });

	await noErrors(errors);
}

t.run('react', main);
