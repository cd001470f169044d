#!/usr/bin/env node
// tests/browser/look.test.js - the owner's pages feel like a messenger
// (issue 14), in headless Chromium at 1280 px and 375 px.
//
// Two sites, alice and carol (tests/browser/sites.py sets up their
// conversation), exchange messages; then, on alice's side:
// * layout: two panes at 1280 (list beside the conversation), one at 375
//   (the list; the conversation full-screen with #back to the list);
// * the list: avatar (photo or initials on a colour class), name, preview
//   ("You: " for ours), relative time, unread badge, newest first;
// * messages: bubbles on two sides, grouping, day separators, short local
//   times with the exact one in the title, delivery marks with their text
//   alternative, links (http/https/mailto only, rel=noopener noreferrer
//   nofollow), long words wrap, line breaks kept, emoji big;
// * themes: light and dark (prefers-color-scheme), reduced motion; axe-core
//   finds no violation (WCAG 2.1 A/AA and best practices) on the inbox and
//   the conversation, search, settings and status at both widths in both
//   themes, the menu on one line; screenshots of each
//   (look-{inbox,conversation,search,settings,status}-{1280,375}-{light,dark}.png);
// * compose: Enter sends, Shift+Enter is a new line, the box grows, a
//   message shows at once as "sending" and settles, a failed send shows a
//   Retry and keeps the text, drafts survive a reload; keyboard only;
// * without JavaScript the form posts and the page shows the newest
//   message;
// * live: a new message appears in the open conversation and in the list
//   without a reload, the title and favicon show the unread total, reading
//   on one tab clears the count on another;
// * notifications while a tab is open (issue 16): the bell, one
//   notification for two tabs, no message text, a click opens it.
//
// Prints TAP lines like chat.test.js and ends with "look: N passed, N
// failed".  Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const t = require('./lib.js');

const { comment, step, waitUntil, sleep, watch, api, convWith, mark, notReloaded, DELIVERY, shot, axe, sendFrom, signInBoth, noErrors } = t;
const LIVE = 30000;

const LONG = 'Supercalifragilisticexpialidocious'.repeat(8);
const LINK = 'https://example.com/a/very/long/path/that/goes/on/and/on?with=query&and=more';
const CAROL_SAYS = ['Hi Alice!', 'Are you there?', `Look at ${LINK} or write to mailto:carol@example.com.`,
	'Two lines:\nthe second one', '😀🎉', LONG];

async function box(page, sel) {
	return page.evaluate((s) => {
		const el = document.querySelector(s);
		if (!el) return null;
		const r = el.getBoundingClientRect();
		const cs = getComputedStyle(el);
		return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height,
			visible: cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 0 && r.height > 0 };
	}, sel);
}

async function main({ sites, browser }) {
	const { alice, carol } = sites;
	comment(`alice ${alice.url}  carol ${carol.url}`);
	const A = await t.context(browser, { width: 1280, height: 800 });
	const C = await t.context(browser, { width: 1280, height: 800 });
	const ai = watch(await A.newPage(), 'look-alice');
	const errors = [];
	ai.on('pageerror', (e) => errors.push(`alice: ${e.message}`));
	A.on('page', (p) => p.on('pageerror', (e) => errors.push(`alice: ${e.message}`)));
	const ci = watch(await C.newPage(), 'look-carol');
	let convA, convC, withA, cookies;

	await step('alice and carol sign in; carol writes, alice answers', async () => {
		({ convA, convC, withA } = await signInBoth(ai, alice, ci, carol));
		for (const text of CAROL_SAYS) await sendFrom(ci, carol, alice.url, text);
		await waitUntil('carol\'s messages reach alice', async () => {
			const c = await convWith(A, alice, carol);
			return c && c.unread >= CAROL_SAYS.length;
		}, DELIVERY, { interval: 1000 });
		await sendFrom(ai, alice, carol.url, 'Hello Carol, all well.');
		await sendFrom(ai, alice, carol.url, 'Second one, grouped with the first.');
		cookies = await A.cookies();
	}, { id: 'setup' });

	await step('the list: avatar, name, preview ("You: " for ours), time, unread; newest first', async () => {
		await sendFrom(ci, carol, alice.url, 'One more, unread');
		await waitUntil('carol\'s last message reaches alice', async () =>
			((await convWith(A, alice, carol)) || {}).preview === 'One more, unread', DELIVERY, { interval: 1000 });
		await ai.goto(alice.base_url + '/feed/');
		const li = ai.locator(`#conversations li.conversation[data-conv="${convA}"]`);
		assert.strictEqual(await li.count(), 1);
		const avatar = await li.locator('.avatar').getAttribute('class');
		assert.ok(/\bphoto\b|\bav[0-7]\b/.test(avatar), `avatar class: ${avatar}`);
		if (!/photo/.test(avatar)) assert.ok(/^\S{1,2}$/u.test((await li.locator('.avatar').textContent()).trim()), 'initials');
		assert.ok((await li.locator('.name').textContent()).trim());
		const preview = (await li.locator('.preview').textContent()).trim();
		assert.strictEqual(preview, 'One more, unread');
		const when = li.locator('time.when');
		assert.ok(!isNaN(Date.parse(await when.getAttribute('datetime'))));
		assert.ok(/^(now|\d+ min)$/.test((await when.textContent()).trim()), `relative time: ${await when.textContent()}`);
		assert.ok(await when.getAttribute('title'), 'exact time in the title');
		const unread = String(((await convWith(A, alice, carol)) || {}).unread);
		assert.ok(Number(unread) >= 1);
		assert.strictEqual(await li.locator('.unread').getAttribute('data-count'), unread);
		assert.strictEqual((await li.locator('.unread').textContent()).trim(), unread);
		assert.ok(await li.locator('.unread').isVisible());
		// Ours: "You: ".
		await sendFrom(ai, alice, carol.url, 'Our latest word');
		await ai.reload();
		assert.strictEqual((await li.locator('.preview').textContent()).trim(), 'You: Our latest word');
		// Newest activity first: the server's order is the API's.
		const data = await api(A, alice, '/feed/api/inbox');
		const acts = data.conversations.filter((c) => !c.closed && c.state !== 'request').map((c) => c.activity);
		assert.deepStrictEqual(acts, acts.slice().sort((x, y) => y - x));
	}, { needs: ['setup'], id: 'list' });

	await step('1280 px: two panes, the list beside the open conversation; no back control', async () => {
		await ai.goto(withA);
		const side = await box(ai, '#sidebar'), pane = await box(ai, '#pane');
		assert.ok(side.visible && pane.visible, 'both panes shown');
		assert.ok(side.right <= pane.left + 1, `sidebar ${JSON.stringify(side)} beside pane ${JSON.stringify(pane)}`);
		assert.ok(!(await box(ai, '#back')).visible, '#back hidden on a wide screen');
		assert.strictEqual(await ai.locator(`#conversations a.open[aria-current=page]`).count(), 1);
		// The compose box at the bottom of the window, the messages scroll.
		const form = await box(ai, '#compose');
		assert.ok(Math.abs(form.bottom - 800) < 2, `compose at the bottom: ${JSON.stringify(form)}`);
		const sc = await ai.evaluate(() => { const s = document.getElementById('scroller'); return getComputedStyle(s).overflowY; });
		assert.strictEqual(sc, 'auto');
	}, { needs: ['setup'] });

	await step('messages at 1280 and 375 px: bubbles on two sides, grouped, day separator, short time, marks, links, wrap, line breaks, emoji', async () => {
	  for (const [w, h] of [[1280, 800], [375, 740]]) {
		const ctx = await browser.newContext({ viewport: { width: w, height: h } });
		await ctx.addCookies(cookies);
		const mp = watch(await ctx.newPage(), `look-messages-${w}`);
		await mp.goto(withA);
		const info = await mp.evaluate(() => {
			const s = document.getElementById('scroller').getBoundingClientRect();
			const q = (sel) => Array.from(document.querySelectorAll(sel));
			const side = (li) => { const b = li.querySelector('.bubble').getBoundingClientRect(); return { l: b.left - s.left, r: s.right - b.right }; };
			const text = (li) => li.querySelector('.text').textContent;
			return {
				ins: q('#messages li.message.in').map(side), outs: q('#messages li.message.out').map(side),
				cont: q('#messages li.message.cont').length,
				days: q('#messages li.day').map((d) => d.textContent.trim()),
				times: q('#messages li.message .meta time').map((x) => ({ t: x.textContent, title: x.title, dt: x.getAttribute('datetime') })),
				states: q('#messages li.message.out .state').map((x) => ({ s: x.getAttribute('data-state'), alt: x.textContent.trim(),
					mark: getComputedStyle(x, '::before').content })),
				links: q('#messages a').map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel') })),
				twoLines: q('#messages .text').map((p) => p.innerText.trim()).filter((x) => x.includes('the second one')),
				pre: getComputedStyle(document.querySelector('#messages p.text')).whiteSpace,
				emoji: q('#messages li.emoji-only .text').map((p) => parseFloat(getComputedStyle(p).fontSize)),
				longOk: q('#messages .text').filter((p) => p.textContent.startsWith('Supercali')).map((p) => p.scrollWidth <= p.clientWidth + 1),
			};
		});
		assert.ok(info.ins.length >= 6 && info.outs.length >= 2, JSON.stringify(info).slice(0, 300));
		assert.ok(info.ins.every((b) => b.l < b.r), 'theirs on the left');
		assert.ok(info.outs.every((b) => b.r < b.l), 'ours on the right');
		assert.ok(info.cont >= 5, `grouped: ${info.cont}`);
		assert.deepStrictEqual(info.days, ['Today']);
		for (const x of info.times) {
			assert.ok(/^\d{1,2}:\d{2}/.test(x.t), `short time ${x.t}`);
			assert.ok(x.title && x.title.length > x.t.length, `exact time in title: ${x.title}`);
			assert.ok(!isNaN(Date.parse(x.dt)));
		}
		for (const s of info.states) {
			assert.ok(['stored', 'notified', 'fetched'].includes(s.s) && s.alt === s.s, JSON.stringify(s));
			assert.ok(/✓/.test(s.mark), `mark: ${s.mark}`);
		}
		const links = info.links.filter((l) => l.href === LINK || l.href === 'mailto:carol@example.com');
		assert.strictEqual(links.length, 2, JSON.stringify(info.links));
		assert.ok(links.every((l) => l.rel === 'noopener noreferrer nofollow'));
		assert.strictEqual(info.twoLines[0], 'Two lines:\nthe second one');
		assert.strictEqual(info.pre, 'pre-wrap');
		assert.ok(info.emoji.length === 1 && info.emoji[0] >= 30, `emoji size ${info.emoji}`);
		assert.deepStrictEqual(info.longOk, [true], 'a long word wraps');
		assert.ok(await mp.evaluate(() => document.scrollingElement.scrollWidth <= innerWidth), `no horizontal scroll at ${w}`);
		await ctx.close();
	  }
	}, { needs: ['setup'] });

	const themes = ['light', 'dark'], widths = [[1280, 800], [375, 740]];
	await step('axe-core: no violations on the inbox, the conversation, search results, settings and status, 1280/375 x light/dark; screenshots; the menu on one line', async () => {
		const bad = [];
		for (const scheme of themes) {
			for (const [w, h] of widths) {
				const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
				await ctx.addCookies(cookies);
				const p = watch(await ctx.newPage(), `look-${w}-${scheme}`);
				const pages = [['inbox', alice.base_url + '/feed/'], ['conversation', withA],
					['search', alice.base_url + '/feed/search?q=lates'],
					['settings', alice.base_url + '/auth/settings'], ['status', alice.base_url + '/auth/status']];
				for (const [name, url] of pages) {
					await p.goto(url);
					await p.waitForLoadState('networkidle').catch(() => {});
					const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
					const dark = /rgb\((\d+)/.exec(bg) && Number(/rgb\((\d+)/.exec(bg)[1]) < 80;
					if (dark !== (scheme === 'dark')) bad.push(`${name} ${w} ${scheme}: background ${bg}`);
					const o = await p.evaluate(() => document.scrollingElement.scrollWidth - innerWidth);
					if (o > 0) bad.push(`${name} ${w} ${scheme}: horizontal scroll ${o}px`);
					bad.push(...await axe(p, `${name} ${w} ${scheme}`));
					// The menu and Sign out on one line, as an app's bar.
					const wraps = await p.evaluate(() => {
						const r = [...document.querySelectorAll('nav li')].filter((li) => li.offsetParent)
							.map((li) => li.getBoundingClientRect());
						return r.length > 0 && Math.max(...r.map((b) => b.top)) >= Math.min(...r.map((b) => b.bottom));
					});
					if (wraps) bad.push(`${name} ${w} ${scheme}: the menu wraps to a second line`);
					await shot(p, `look-${name}-${w}-${scheme}`);
					if (name === 'settings') {
						// "Advanced": the configuration, folded away until asked for.
						if (await p.isVisible('#settings')) bad.push(`settings ${w} ${scheme}: Advanced is open`);
						await p.click('details.advanced > summary');
						if (!await p.isVisible('#settings')) bad.push(`settings ${w} ${scheme}: Advanced does not open`);
						bad.push(...await axe(p, `settings (Advanced open) ${w} ${scheme}`));
						const o = await p.evaluate(() => document.scrollingElement.scrollWidth - innerWidth);
						if (o > 0) bad.push(`settings (Advanced open) ${w} ${scheme}: horizontal scroll ${o}px`);
						await shot(p, `look-settings-advanced-${w}-${scheme}`);
					}
				}
				await ctx.close();
			}
		}
		assert.deepStrictEqual(bad, []);
	}, { needs: ['setup'] });

	await step('375 px: the list alone, then the conversation full-screen with #back to the list', async () => {
		const ctx = await browser.newContext({ viewport: { width: 375, height: 740 } });
		await ctx.addCookies(cookies);
		const p = watch(await ctx.newPage(), 'look-375');
		await p.goto(alice.base_url + '/feed/');
		assert.ok((await box(p, '#sidebar')).visible && !(await box(p, '#pane')).visible, 'inbox: the list only');
		const item = p.locator(`#conversations li.conversation[data-conv="${convA}"]`);
		for (const part of ['.avatar', '.name', '.preview', 'time.when']) {
			assert.ok(await item.locator(part).isVisible(), `${part} shown at 375 px`);
		}
		await p.locator(`#conversations li.conversation[data-conv="${convA}"] a.open`).click();
		await p.waitForURL(withA);
		assert.ok(!(await box(p, '#sidebar')).visible, 'conversation: no list');
		const pane = await box(p, '#pane');
		assert.ok(pane.visible && pane.width >= 374, `full width: ${JSON.stringify(pane)}`);
		assert.ok(!(await box(p, 'nav')).visible, 'full-screen: no site navigation');
		assert.ok((await box(p, '#back')).visible, '#back shown');
		await p.locator('#back').focus();
		await Promise.all([p.waitForURL(alice.base_url + '/feed/'), p.keyboard.press('Enter')]);
		await ctx.close();
	}, { needs: ['setup'] });

	await step('reduced motion: no animation of new messages', async () => {
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
		await ctx.addCookies(cookies);
		const p = watch(await ctx.newPage(), 'look-motion');
		await p.goto(withA);
		const a = await p.evaluate(() => {
			const li = document.querySelector('#messages li.message');
			li.classList.add('new');
			return getComputedStyle(li).animationName;
		});
		assert.strictEqual(a, 'none');
		await ctx.close();
	}, { needs: ['setup'] });

	const conv = watch(await A.newPage(), 'look-alice-conv');
	for (const [cw, ch] of [[1280, 800], [375, 740]]) {
	await step(`compose at ${cw} px: Enter sends, Shift+Enter is a new line, the box grows; sending shows at once and settles`, async () => {
		await conv.setViewportSize({ width: cw, height: ch });
		await conv.goto(withA);
		await mark(conv);
		const ta = conv.locator('#compose textarea[name=text]');
		await ta.focus();
		const h0 = (await box(conv, '#compose textarea')).height;
		await conv.keyboard.type('first line');
		await conv.keyboard.press('Shift+Enter');
		await conv.keyboard.type('second line');
		await conv.keyboard.press('Shift+Enter');
		await conv.keyboard.type(`third line ${cw}`);
		assert.strictEqual(await ta.inputValue(), `first line\nsecond line\nthird line ${cw}`);
		const h1 = (await box(conv, '#compose textarea')).height;
		assert.ok(h1 > h0 + 10, `the box grows: ${h0} -> ${h1}`);
		await conv.keyboard.press('Enter');
		const pending = await conv.evaluate(() => {
			const li = document.querySelector('#messages li.pending');
			return li && { state: li.querySelector('.state').getAttribute('data-state'), text: li.querySelector('.text').textContent };
		});
		assert.ok(pending && pending.state === 'sending' && pending.text === `first line\nsecond line\nthird line ${cw}`, JSON.stringify(pending));
		assert.strictEqual(await ta.inputValue(), '');
		await waitUntil('it settles to a stored message', async () => {
			const li = await conv.evaluate((want) => Array.from(document.querySelectorAll('#messages li.message.out'))
				.filter((x) => x.querySelector('.text').textContent === want)
				.map((x) => x.querySelector('.state').getAttribute('data-state')), `first line\nsecond line\nthird line ${cw}`);
			return li.length === 1 && ['stored', 'notified', 'fetched'].includes(li[0]);
		}, 20000);
		assert.strictEqual(await conv.locator('#messages li.pending').count(), 0);
		await notReloaded(conv);
	}, { needs: ['setup'], id: `compose-${cw}` });

	await step(`a failed send at ${cw} px shows the error with Retry and keeps the text; Retry sends it`, async () => {
		await conv.route('**/send', (r) => r.abort());
		const ta = conv.locator('#compose textarea[name=text]');
		await ta.fill(`This one fails first ${cw}`);
		await ta.press('Enter');
		await waitUntil('failed', async () => (await conv.locator('#messages li.pending.failed .retry').count()) === 1, 10000);
		assert.ok(/Not sent/.test(await conv.locator('#compose-result').textContent()));
		assert.strictEqual(await ta.inputValue(), `This one fails first ${cw}`);
		assert.strictEqual(await conv.locator('#messages li.pending .state').getAttribute('data-state'), 'failed');
		await conv.unroute('**/send');
		await conv.locator('#messages li.pending .retry').click();
		await waitUntil('retried and settled', async () => (await conv.locator('#messages li.message.out .text', { hasText: `This one fails first ${cw}` }).count()) === 1
			&& (await conv.locator('#messages li.pending').count()) === 0, 20000);
		assert.strictEqual(await ta.inputValue(), '');
	}, { needs: [`compose-${cw}`] });

	await step(`the draft of each conversation survives a reload at ${cw} px (localStorage)`, async () => {
		const ta = conv.locator('#compose textarea[name=text]');
		await ta.fill('');
		await ta.pressSequentially(`half a thought ${cw}`);
		await conv.reload();
		assert.strictEqual(await conv.locator('#compose textarea[name=text]').inputValue(), `half a thought ${cw}`);
		const where = await conv.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ic:draft:')));
		assert.strictEqual(where.length, 1);
		await conv.locator('#compose textarea[name=text]').fill('');
		await conv.locator('#compose textarea[name=text]').dispatchEvent('input');
	}, { needs: [`compose-${cw}`] });
	}

	await step('keyboard only at 375 px: Tab to the message box, type, Enter sends; the list by arrows, exact time on focus', async () => {
		const ctx = await browser.newContext({ viewport: { width: 375, height: 740 } });
		await ctx.addCookies(cookies);
		const p = watch(await ctx.newPage(), 'look-keys');
		await p.goto(withA);
		let reached = false;
		for (let i = 0; i < 40 && !reached; i++) {
			await p.keyboard.press('Tab');
			reached = await p.evaluate(() => document.activeElement && document.activeElement.name === 'text');
		}
		assert.ok(reached, 'Tab reaches the textarea');
		await p.keyboard.type('Sent from the keyboard');
		await p.keyboard.press('Enter');
		await waitUntil('sent', async () => (await p.locator('#messages li.message.out .text', { hasText: 'Sent from the keyboard' }).count()) === 1, 20000);
		// The message list from the keyboard: Enter on it focuses the
		// newest message, Up the one before; a focused one shows its
		// exact time.
		await p.locator('#scroller').focus();
		await p.keyboard.press('Enter');
		await p.keyboard.press('ArrowUp');
		const f = await p.evaluate(() => {
			const li = document.activeElement, tm = li && li.querySelector('.meta time');
			const all = Array.from(document.querySelectorAll('#messages li.message'));
			return li && { msg: li.classList.contains('message'), at: all.indexOf(li), n: all.length,
				after: tm ? getComputedStyle(tm, '::after').content : '', title: tm ? tm.title : '' };
		});
		assert.ok(f && f.msg && f.at === f.n - 2, JSON.stringify(f));
		assert.ok(f.title && f.after.includes(f.title), `exact time on focus: ${JSON.stringify(f)}`);
		await shot(p, 'look-conversation-375-keyboard');
		await p.keyboard.press('Escape');
		assert.ok(await p.evaluate(() => document.activeElement.id === 'scroller'));
		await ctx.close();
	}, { needs: ['setup'] });

	await step('without JavaScript (1280 and 375 px) the form posts, and the page opens at the newest message', async () => {
	  for (const [w, h] of [[1280, 600], [375, 740]]) {
		const ctx = await browser.newContext({ viewport: { width: w, height: h }, javaScriptEnabled: false });
		await ctx.addCookies(cookies);
		const p = watch(await ctx.newPage(), 'look-nojs');
		await p.goto(withA);
		// The server marks the emoji-only message, so it is big without
		// the script too.
		assert.strictEqual(await p.locator('#messages li.message.emoji-only').count(), 1);
		assert.ok(parseFloat(await p.locator('#messages li.emoji-only .text').evaluate((e) => getComputedStyle(e).fontSize)) >= 30);
		await p.locator('#compose textarea[name=text]').fill(`Posted without JavaScript at ${w}`);
		await Promise.all([p.waitForURL(withA), p.locator('#compose button[type=submit]').click()]);
		// The 303 comes back to the URL the page already had: wait for
		// the new page itself, not only for its address.
		await p.locator('#messages li.message .text', { hasText: `Posted without JavaScript at ${w}` }).waitFor();
		await p.waitForLoadState('load');
		const last = await p.evaluate(() => {
			const lis = document.querySelectorAll('#messages li.message');
			const li = lis[lis.length - 1], s = document.getElementById('scroller').getBoundingClientRect();
			const r = li.getBoundingClientRect();
			return { text: li.querySelector('.text').textContent, inView: r.bottom <= s.bottom + 1 && r.top >= s.top - 1 };
		});
		assert.deepStrictEqual(last, { text: `Posted without JavaScript at ${w}`, inView: true });
		await shot(p, `look-conversation-nojs-${w}`);
		await ctx.close();
	  }
	}, { needs: ['setup'] });

	await step('live: carol\'s message shows in the open conversation and the list, title and favicon count it; read on one tab, read on all', async () => {
		await ai.goto('about:blank'); // no other tab reads it meanwhile
		const inbox = watch(await A.newPage(), 'look-alice-inbox');
		await inbox.goto(alice.base_url + '/feed/');
		await conv.goto(alice.base_url + '/feed/contacts'); // not reading it
		await mark(inbox);
		await sendFrom(ci, carol, alice.url, 'Live from carol');
		const t0 = Date.now();
		await waitUntil('delivered', async () => ((await convWith(A, alice, carol)) || {}).unread >= 1, DELIVERY, { interval: 1000 });
		await waitUntil('the list shows it', async () => {
			const li = inbox.locator(`#conversations li.conversation[data-conv="${convA}"]`);
			return (await li.locator('.preview').textContent()).trim() === 'Live from carol' &&
				(await li.locator('.unread').getAttribute('data-count')) === '1' &&
				/^\(1\) /.test(await inbox.title()) &&
				(await inbox.locator('link[rel=icon]').getAttribute('data-unread')) === '1';
		}, LIVE + 20000);
		comment(`the list and title followed ${((Date.now() - t0) / 1000).toFixed(1)} s after sending`);
		await notReloaded(inbox);
		// Open it in another tab: the inbox tab clears its count soon.
		const t1 = Date.now();
		await conv.goto(withA);
		assert.ok(await conv.locator('#messages li.message.in .text', { hasText: 'Live from carol' }).count());
		await waitUntil('read on the other tab', async () => (await inbox.locator(`#conversations li.conversation[data-conv="${convA}"] .unread`).getAttribute('data-count')) === '0'
			&& !/^\(\d+\) /.test(await inbox.title()), 10000);
		comment(`read on the other tab after ${((Date.now() - t1) / 1000).toFixed(1)} s`);
		// And a new message in the open conversation, without a reload.
		await mark(conv);
		await sendFrom(ci, carol, alice.url, 'And one more, live');
		await waitUntil('in the open conversation', async () => conv.locator('#messages li.message.in .text', { hasText: 'And one more, live' }).count(), DELIVERY + LIVE);
		await notReloaded(conv);
		await inbox.close();
	}, { needs: ['setup'] });

	await step('notifications (issue 16): the bell turns them on and off; a new message makes one, naming carol, without its text, in one tab of two; a click opens the conversation', async () => {
		// Headless Chromium shows no notifications: the page's calls to
		// the Notification API are recorded up to that boundary.
		await conv.goto(alice.base_url + '/feed/contacts'); // nobody reads it meanwhile
		await ai.goto('about:blank');
		const N = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		await N.addCookies(cookies);
		await N.grantPermissions(['notifications'], { origin: new URL(alice.base_url).origin });
		await N.addInitScript(() => {
			const Real = window.Notification;
			const rec = (n) => { const all = JSON.parse(localStorage.getItem('test:notes') || '[]'); all.push(n); localStorage.setItem('test:notes', JSON.stringify(all)); };
			window.Notification = class {
				constructor(title, o) { rec({ title, body: o && o.body, tag: o && o.tag }); window.lastNote = this; this.onclick = null; }
				close() {}
				static get permission() { return Real.permission; }
				static requestPermission(cb) { return Real.requestPermission(cb); }
			};
		});
		const one = await N.newPage(), two = await N.newPage();
		for (const p of [one, two]) {
			p.on('pageerror', (e) => errors.push(`alice: ${e.message}`));
			await p.goto(alice.base_url + '/feed/');
		}
		const bell = one.locator('#notify');
		assert.strictEqual(await bell.getAttribute('aria-pressed'), 'true');
		await bell.click();
		assert.strictEqual(await bell.getAttribute('aria-pressed'), 'false');
		await bell.click();
		assert.strictEqual(await bell.getAttribute('aria-pressed'), 'true');
		await sleep(3000); // each tab has seen the counts once
		const notes = () => one.evaluate(() => JSON.parse(localStorage.getItem('test:notes') || '[]'));
		await sendFrom(ci, carol, alice.url, 'Secret words for the notification');
		await waitUntil('a notification', async () => (await notes()).length >= 1, DELIVERY + LIVE);
		await sleep(LIVE / 2); // the other tab has seen the same count by now
		const all = await notes();
		assert.strictEqual(all.length, 1, JSON.stringify(all));
		assert.ok(/carol/i.test(all[0].title), all[0].title);
		assert.strictEqual(all[0].body, 'New message');
		assert.ok(!JSON.stringify(all).includes('Secret words'));
		const who = await one.evaluate(() => !!window.lastNote) ? one : two;
		await Promise.all([who.waitForURL(/\/feed\/with\//), who.evaluate(() => window.lastNote.onclick())]);
		assert.strictEqual(who.url(), withA);
		// The list beside the conversation has the bell too.
		assert.strictEqual(await who.locator('#sidebar #notify').getAttribute('aria-pressed'), 'true');
		await N.close();
	}, { needs: ['setup'] });

	await step('older messages page in without leaving the page (API)', async () => {
		const d = await api(A, alice, `/feed/api/with/${convA}?out_before=2&in_before=2`);
		assert.ok(d.messages.every((m) => m.seq < 2), JSON.stringify(d.messages.map((m) => [m.dir, m.seq])));
		assert.strictEqual(d.older, false);
	}, { needs: ['setup'] });
	await step('"Older messages": the page opens with the newest 100, older ones come in above, the reader\'s place is kept', async () => {
		await ai.goto(alice.base_url + '/feed/contacts');
		const r = await ai.evaluate(async ([b, to]) => {
			const csrf = (await (await fetch(b + '/auth/session', { headers: { Accept: 'application/json' } })).json()).csrf;
			for (let i = 1; i <= 105; i++) {
				const res = await fetch(b + '/send', { method: 'POST', headers: { Accept: 'application/json' },
					body: new URLSearchParams({ csrf, to, text: `Numbered message ${i}` }) });
				if (!res.ok) return `send ${i}: HTTP ${res.status}`;
			}
			return 'ok';
		}, [alice.base_url, carol.url]);
		assert.strictEqual(r, 'ok');
		const p = watch(await A.newPage(), 'look-older');
		await p.goto(withA);
		assert.strictEqual(await p.locator('#messages li.message').count(), 100);
		assert.strictEqual(await p.locator('a#older').count(), 1);
		const before = await p.evaluate(() => {
			const s = document.getElementById('scroller');
			s.scrollTop = -s.scrollHeight; // column-reverse: the top is negative
			const first = document.querySelector('#messages li.message');
			return { id: first.id, top: first.getBoundingClientRect().top, total: document.querySelectorAll('#messages li.message').length };
		});
		await p.locator('a#older').click();
		await waitUntil('older ones above', async () => (await p.locator('#messages li.message').count()) > 100, 10000);
		const after = await p.evaluate((id) => {
			const el = document.getElementById(id), all = Array.from(document.querySelectorAll('#messages li.message'));
			return { top: el.getBoundingClientRect().top, at: all.indexOf(el), total: all.length,
				older: !!document.getElementById('older'), url: location.href };
		}, before.id);
		comment(`older: ${JSON.stringify({ before, after })}`);
		assert.ok(after.at > 0, 'the older ones are above');
		assert.ok(Math.abs(after.top - before.top) < 2, `the place is kept: ${before.top} -> ${after.top}`);
		assert.strictEqual(after.url, withA, 'no navigation');
		const api1 = await api(A, alice, `/feed/api/with/${convA}`);
		assert.ok(after.total >= Math.min(200, api1.out_seq + api1.in_seq), `all shown: ${after.total}`);
		await p.close();
	}, { needs: ['setup'] });

	await noErrors(errors);
}

t.run('look', main);
