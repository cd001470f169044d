#!/usr/bin/env node
// tests/browser/reply.test.js - replying to one message (issue 15) in
// headless Chromium, on two real sites (alice and carol,
// tests/browser/sites.py):
// * 1280 px: each message's Reply action shows on hover and on focus (and
//   not otherwise), and is reached from the keyboard by the arrows to its
//   message, then Tab; choosing it from the keyboard opens the quote bar above
//   the compose box, Esc drops it; a reply sent from the page shows the
//   quoted message above its text, on alice's page and, delivered, on
//   carol's (in_reply_to in both live JSONs); clicking the quote scrolls
//   to the original and highlights it; a quote whose original is not on
//   the page says so;
// * 375 px: the Reply action is there without hovering; a reply from there;
// * without JavaScript the Reply link opens the page with the form
//   answering that message, and the post stores the reply;
// * light and dark: axe-core finds nothing on the page with the quote bar
//   open; screenshots reply-*.png in $IC_ARTIFACTS, for a person to look at.
//
// Prints TAP lines like chat.test.js and ends with "reply: N passed, N
// failed".  Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const t = require('./lib.js');

const { comment, step, waitUntil, watch, api, DELIVERY, shot, axe, item, signInBoth, inThemes, twoSides, carolSays, noErrors, withoutJs, conversationLooks } = t;

const QUESTION = 'Lunch on Friday at the usual place? I can book a table for two at half past twelve if that suits you.';
const CAROL_SAYS = [QUESTION, 'Also: did you get the book I sent?', 'And one more thing, unrelated.'];
const ANSWER = 'Friday works, book it!';

async function opacity(loc) {
	return Number(await loc.evaluate((el) => getComputedStyle(el).opacity));
}

async function main({ sites, browser }) {
	const errors = [];
	const { alice, carol } = sites;
	comment(`alice ${alice.url}  carol ${carol.url}`);
	const { A, C, ai, ci } = await twoSides(browser, 'reply', errors);
	ai.on('pageerror', (e) => errors.push(`alice: ${e.message}`));
	ci.on('pageerror', (e) => errors.push(`carol: ${e.message}`));
	let convA, convC, withA, page, uid;

	await step('alice and carol sign in; carol asks three things', async () => {
		({ convA, convC, withA } = await signInBoth(ai, alice, ci, carol));
		await carolSays(ci, carol, A, alice, convA, CAROL_SAYS);
	}, { id: 'setup' });

	await step('1280 px: the Reply action shows on hover and on focus, not otherwise', async () => {
		page = watch(await A.newPage(), 'reply-alice-conv');
		await page.goto(withA);
		const li = item(page, 'Lunch on Friday');
		uid = await li.getAttribute('data-uid');
		assert.ok(uid && uid.startsWith('http'), `data-uid = ${uid}`);
		const reply = li.locator('a.reply');
		assert.strictEqual(await reply.count(), 1, 'no a.reply on the message');
		await page.mouse.move(1, 1);
		assert.strictEqual(await opacity(reply), 0, 'Reply shows without hover');
		await li.locator('.bubble').hover();
		assert.strictEqual(await opacity(reply), 1, 'Reply hidden on hover');
		await shot(page, 'reply-hover-1280-light');
		await page.mouse.move(1, 1);
		// From the keyboard: only the focused message's Reply is a Tab
		// stop (a hundred would stand between the top and the box).
		assert.strictEqual(await page.locator('#messages a.reply:not([tabindex="-1"])').count(), 0,
			'Reply actions are Tab stops before any message has the focus');
		await page.locator('#scroller').focus();
		await page.keyboard.press('Enter'); // the newest message
		for (let i = 0; i < 10 && !(await li.evaluate((el) => el === document.activeElement)); i++) {
			await page.keyboard.press('ArrowUp');
		}
		assert.ok(await li.evaluate((el) => el === document.activeElement), 'the arrows never reached the message');
		await page.keyboard.press('Tab');
		assert.ok(await reply.evaluate((el) => el === document.activeElement), 'Tab from the message is not its Reply');
		assert.strictEqual(await opacity(reply), 1, 'Reply hidden on focus');
		assert.strictEqual(await reply.getAttribute('role'), 'button');
		assert.strictEqual((await reply.locator('.vh').textContent()).trim(), 'Reply');
	}, { needs: ['setup'], id: 'hover' });

	await step('the keyboard opens the quote bar; Esc drops it', async () => {
		const bar = page.locator('#reply-bar');
		assert.ok(await bar.isHidden(), 'the bar shows before any reply');
		await page.keyboard.press('Enter'); // on the focused Reply
		await waitUntil('the bar opens', async () => bar.isVisible(), 5000, { interval: 100 });
		assert.strictEqual(await page.locator('#reply-to').inputValue(), uid);
		const quote = (await bar.textContent()).replace(/\s+/g, ' ');
		assert.ok(quote.includes('Lunch on Friday'), `bar: ${quote}`);
		assert.ok(quote.includes('\u2026'), `a long first line is cut: ${quote}`);
		assert.ok(await page.locator('form#compose textarea').evaluate((el) => el === document.activeElement),
			'the compose box has the focus');
		await shot(page, 'reply-bar-1280-light');
		await page.keyboard.press('Escape');
		assert.ok(await bar.isHidden(), 'Esc left the bar open');
		assert.strictEqual(await page.locator('#reply-to').inputValue(), '');
		// And the Cancel button.
		await item(page, 'Lunch on Friday').locator('.bubble').hover();
		await item(page, 'Lunch on Friday').locator('a.reply').click();
		assert.ok(await bar.isVisible());
		await page.locator('#reply-cancel').click();
		assert.ok(await bar.isHidden(), 'Cancel left the bar open');
	}, { needs: ['hover'], id: 'bar' });

	await step('a reply sent from the page shows its quote, on both sites', async () => {
		await item(page, 'Lunch on Friday').locator('.bubble').hover();
		await item(page, 'Lunch on Friday').locator('a.reply').click();
		await page.locator('form#compose textarea').fill(ANSWER);
		await page.keyboard.press('Enter');
		const mine = page.locator('#messages li.message.out').filter({ has: page.locator('.text', { hasText: ANSWER }) });
		await waitUntil('the reply settles on alice\'s page', async () => (await mine.count()) === 1, 30000, { interval: 300 });
		const q = mine.locator('a.quote');
		assert.strictEqual(await q.count(), 1, 'no a.quote on the reply');
		const qt = (await q.textContent()).replace(/\s+/g, ' ');
		assert.ok(/Lunch on Friday/.test(qt) && qt.includes(' '), `quote: ${qt}`);
		assert.ok(await page.locator('#reply-bar').isHidden(), 'the bar stays after sending');
		const a = await api(A, alice, `/feed/api/with/${convA}`);
		const m = a.messages.find((x) => x.text === ANSWER);
		assert.strictEqual(m.in_reply_to, uid);
		assert.ok(m.quote && /Lunch on Friday/.test(m.quote.text), JSON.stringify(m));
		await waitUntil('the reply reaches carol with its target', async () => {
			const c = await api(C, carol, `/feed/api/with/${convC}`);
			const r = (c.messages || []).find((x) => x.text === ANSWER);
			return r && r.in_reply_to === uid && r.quote && r.quote.author === 'You';
		}, DELIVERY, { interval: 1000 });
		await ci.goto(`${carol.base_url}/feed/with/${convC}`);
		const theirs = item(ci, ANSWER).locator('a.quote');
		assert.strictEqual(await theirs.count(), 1, 'carol\'s page shows no quote');
		assert.ok(/You/.test(await theirs.textContent()));
		await shot(ci, 'reply-received-1280-light');
	}, { needs: ['bar'], id: 'sent' });

	await step('clicking the quote scrolls to the original and highlights it', async () => {
		await page.evaluate(() => { const s = document.getElementById('scroller'); s.scrollTop = 0; });
		const mine = item(page, ANSWER);
		await mine.locator('a.quote').click();
		const orig = item(page, 'Lunch on Friday');
		await waitUntil('the original flashes', async () => orig.evaluate((el) => el.classList.contains('flash')), 3000, { interval: 50 });
		await waitUntil('the original is in view', async () => orig.evaluate((el) => {
			const r = el.getBoundingClientRect(), s = document.getElementById('scroller').getBoundingClientRect();
			return r.top >= s.top - 1 && r.bottom <= s.bottom + 1;
		}), 3000, { interval: 100 });
		await shot(page, 'reply-flash-1280-light');
		assert.ok(await orig.evaluate((el) => el === document.activeElement), 'the original has the focus');
		// An original that is not on the page (and no older page to
		// load): the page says so.
		await page.evaluate(() => {
			const o = document.getElementById('older');
			if (o) o.parentNode.removeChild(o);
		});
		await orig.evaluate((el) => el.parentNode.removeChild(el));
		await mine.locator('a.quote').click();
		await waitUntil('"not loaded" is said', async () =>
			/not loaded/.test(await page.locator('#compose-result').textContent()), 5000, { interval: 100 });
	}, { needs: ['sent'] });

	await step('375 px: the Reply action is there without hover; a reply from there', async () => {
		const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
		await ctx.addCookies(await A.cookies());
		const p = watch(await ctx.newPage(), 'reply-alice-375');
		p.on('pageerror', (e) => errors.push(`alice 375: ${e.message}`));
		await p.goto(withA);
		const li = item(p, 'did you get the book');
		const reply = li.locator('a.reply');
		assert.strictEqual(await opacity(reply), 1, 'Reply not shown at 375 px');
		const b = await reply.boundingBox();
		assert.ok(b && b.x >= 0 && b.x + b.width <= 375 && b.width >= 24, `Reply box: ${JSON.stringify(b)}`);
		await reply.tap();
		assert.ok(await p.locator('#reply-bar').isVisible());
		await shot(p, 'reply-bar-375-light');
		await p.locator('form#compose textarea').fill('Yes, the book came, thanks');
		await p.locator('form#compose button[type=submit]').tap();
		const mine = p.locator('#messages li.message.out').filter({ has: p.locator('.text', { hasText: 'the book came' }) });
		await waitUntil('the reply settles', async () => (await mine.count()) === 1, 30000, { interval: 300 });
		assert.ok(/did you get the book/.test(await mine.locator('a.quote').textContent()));
		const o = await p.evaluate(() => document.scrollingElement.scrollWidth);
		assert.ok(o <= 375, `scrollWidth ${o} at 375 px`);
		await shot(p, 'reply-sent-375-light');
		await ctx.close();
	}, { needs: ['setup'] });

	await step('without JavaScript the Reply link answers that message', async () => {
		const { ctx, p } = await withoutJs(browser, A, withA);
		const href = await item(p, 'And one more thing').locator('a.reply').getAttribute('href');
		await p.goto(new URL(href, withA).href);
		assert.ok(await p.locator('#reply-bar').isVisible(), 'the bar is not open');
		const want = await item(p, 'And one more thing').getAttribute('data-uid');
		assert.strictEqual(await p.locator('#reply-to').inputValue(), want);
		await p.locator('form#compose textarea').fill('Posted without the script');
		await Promise.all([p.waitForNavigation(), p.locator('form#compose button[type=submit]').click()]);
		const a = await api(A, alice, `/feed/api/with/${convA}`);
		const m = a.messages.find((x) => x.text === 'Posted without the script');
		assert.ok(m && m.in_reply_to === want, JSON.stringify(m));
		await ctx.close();
	}, { needs: ['setup'] });

	await step('light and dark, 1280 and 375: axe-core finds nothing with the quote bar open; screenshots', async () => {
		const bad = [];
		await inThemes(browser, A, 'alice', withA, errors, async (p, w, scheme) => {
			const li = item(p, 'did you get the book');
			if (w > 400) await li.locator('.bubble').hover();
			await li.locator('a.reply').click();
			await p.locator('form#compose textarea').fill('Drafting a reply');
			await conversationLooks(p, w, scheme, 'reply', bad);
		});
		assert.deepStrictEqual(bad, []);
	}, { needs: ['sent'] });

	await noErrors(errors);
}

t.run('reply', main);
