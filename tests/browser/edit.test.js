#!/usr/bin/env node
// tests/browser/edit.test.js - edit, delete and unreact from the page
// (issue 15) in headless Chromium, on two real sites (alice and carol,
// tests/browser/sites.py):
// * 1280 px: each of alice's messages has the "more" menu (details.more),
//   reached from the keyboard; its Edit puts the text into the compose box
//   with the "Editing message · Cancel" bar; Esc cancels; Send then edits:
//   "edited" shows on alice's page and, delivered, on carol's;
// * "Delete for everyone" asks (a dialog) and the message shows "Message
//   deleted" on both pages, without its menu;
// * alice's own reaction is a button: pressing it removes the reaction;
// * a message that arrives while the page is open has the reaction
//   picker (cloned from the page's template) without a reload;
// * without JavaScript: Edit opens the page editing (?edit=UID), Send
//   edits; Delete needs its checkbox;
// * light and dark, 1280 and 375 px: axe-core finds nothing with the menu
//   open; screenshots edit-*.png in $IC_ARTIFACTS.
//
// Prints TAP lines like chat.test.js and ends with "edit: N passed, N
// failed".  Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const t = require('./lib.js');

const { comment, step, waitUntil, watch, api, DELIVERY, shot, axe, postFrom, item, signInBoth, inThemes, twoSides, noErrors, withoutJs, conversationLooks } = t;

const UP = '\u{1F44D}';

async function theirs(ctx, site, conv, pred) {
	const c = await api(ctx, site, `/feed/api/with/${conv}`);
	return (c.messages || []).find(pred);
}

async function main({ sites, browser }) {
	const errors = [];
	const { alice, carol } = sites;
	comment(`alice ${alice.url}  carol ${carol.url}`);
	const { A, C, ai, ci } = await twoSides(browser, 'edit', errors);
	let convA, convC, withA, withC, page;

	await step('alice and carol sign in; alice says three things', async () => {
		({ convA, convC, withA } = await signInBoth(ai, alice, ci, carol));
		withC = `${carol.base_url}/feed/with/${convC}`;
		for (const text of ['Lunch at noon', 'Bring the map', 'Wrong chat, sorry']) {
			await postFrom(ai, alice, { to: carol.url, text });
		}
		await waitUntil('alice\'s messages reach carol', async () =>
			!!(await theirs(C, carol, convC, (m) => m.text === 'Wrong chat, sorry')), DELIVERY, { interval: 1000 });
	}, { id: 'setup' });

	await step('1280 px: the menu is reached from the keyboard; Edit, Esc, Edit, Send edits', async () => {
		page = watch(await A.newPage(), 'edit-alice-conv');
		await page.goto(withA);
		assert.strictEqual(await page.locator('#messages li.in details.more').count(), 0);
		assert.strictEqual(await page.locator('#messages details.more > summary:not([tabindex="-1"])').count(), 0,
			'menus are Tab stops before any message has the focus');
		const li = item(page, 'Lunch at noon');
		await page.locator('#scroller').focus();
		await page.keyboard.press('Enter');
		for (let i = 0; i < 10 && !(await li.evaluate((el) => el === document.activeElement)); i++) {
			await page.keyboard.press('ArrowUp');
		}
		assert.ok(await li.evaluate((el) => el === document.activeElement), 'the arrows never reached the message');
		const summary = li.locator('details.more > summary');
		for (let i = 0; i < 4 && !(await summary.evaluate((el) => el === document.activeElement)); i++) {
			await page.keyboard.press('Tab');
		}
		assert.ok(await summary.evaluate((el) => el === document.activeElement), 'Tab does not reach the menu');
		assert.strictEqual(await summary.textContent(), '\u22efMore actions');
		await page.keyboard.press('Enter');
		assert.ok(await li.locator('details.more').evaluate((el) => el.open), 'Enter does not open the menu');
		await shot(page, 'edit-menu-1280-light');
		await page.keyboard.press('Tab');
		const edit = li.locator('details.more a.edit');
		assert.ok(await edit.evaluate((el) => el === document.activeElement), 'Tab does not reach Edit');
		await page.keyboard.press('Enter');
		const box = page.locator('#compose textarea');
		assert.strictEqual(await box.inputValue(), 'Lunch at noon');
		assert.ok(await page.locator('#edit-bar').isVisible(), 'no "Editing message" bar');
		assert.ok((await page.locator('#edit-bar').textContent()).includes('Editing message'));
		await shot(page, 'edit-editing-1280-light');
		await box.press('Escape');
		assert.ok(!(await page.locator('#edit-bar').isVisible()), 'Esc leaves the edit bar');
		assert.strictEqual(await box.inputValue(), '');
		await li.locator('.bubble').hover();
		await li.locator('details.more > summary').click();
		await li.locator('details.more a.edit').click();
		await box.fill('Lunch at one');
		await box.press('Enter');
		await waitUntil('"edited" on alice\'s page', async () => {
			const l = item(page, 'Lunch at one');
			return (await l.count()) && (await l.locator('.meta .edited').count()) === 1;
		}, DELIVERY, { interval: 300 });
		assert.strictEqual(await page.locator('#messages li.message .text', { hasText: 'Lunch at' }).count(), 1,
			'the edit was drawn as a new message');
		await waitUntil('the edit reaches carol', async () =>
			!!(await theirs(C, carol, convC, (m) => m.text === 'Lunch at one' && m.edited)), DELIVERY, { interval: 1000 });
		await ci.goto(withC);
		assert.strictEqual(await item(ci, 'Lunch at one').locator('.meta .edited').textContent(), 'edited');
		await shot(ci, 'edit-received-1280-light');
	}, { needs: ['setup'], id: 'edit' });

	await step('Delete for everyone asks, then "Message deleted" on both pages', async () => {
		const li = item(page, 'Wrong chat, sorry');
		const uid = await li.getAttribute('data-uid');
		await li.locator('.bubble').hover();
		await li.locator('details.more > summary').click();
		assert.ok(!(await li.locator('form.delete label.confirm').isVisible()), 'the script shows the checkbox');
		await li.locator('form.delete button').click();
		const gone = page.locator(`#messages li.message[data-uid="${uid}"]`);
		await waitUntil('"Message deleted" on alice\'s page', async () =>
			(await gone.locator('.text.deleted').count()) === 1, DELIVERY, { interval: 300 });
		assert.strictEqual(await gone.locator('details.more, a.reply').count(), 0, 'a deleted message keeps its menu or Reply');
		await waitUntil('the delete reaches carol', async () =>
			!!(await theirs(C, carol, convC, (m) => m.uid === uid && m.deleted)), DELIVERY, { interval: 1000 });
		await ci.goto(withC);
		assert.strictEqual(await ci.locator(`#messages li.message[data-uid="${uid}"] .text.deleted`).textContent(), 'Message deleted');
		await shot(page, 'edit-deleted-1280-light');
	}, { needs: ['edit'] });

	await step('a message that arrives live has the picker; pressing our reaction removes it', async () => {
		await page.goto(withA);
		await postFrom(ci, carol, { to: alice.url, text: 'Map found' });
		const li = item(page, 'Map found');
		await waitUntil('carol\'s message is drawn live', async () => (await li.count()) === 1, DELIVERY, { interval: 500 });
		assert.strictEqual(await li.locator('details.react > summary').count(), 1, 'no picker on a live message');
		assert.strictEqual(await li.locator('details.more').count(), 0, 'their message has our menu');
		await li.locator('.bubble').hover();
		await li.locator('details.react > summary').click();
		await li.locator(`details.react button[value="${UP}"]`).click();
		const mine = li.locator('ul.reactions li.reaction.mine button[name=unreact]');
		await waitUntil('our reaction is drawn as a button', async () => (await mine.count()) === 1, DELIVERY, { interval: 300 });
		await shot(page, 'edit-live-1280-light');
		await waitUntil('carol has the reaction', async () =>
			(await theirs(C, carol, convC, (m) => m.text === 'Map found') || {}).their_reaction === UP, DELIVERY, { interval: 1000 });
		await mine.click();
		await waitUntil('the reaction is gone on alice\'s page', async () =>
			(await li.locator('ul.reactions').count()) === 0, DELIVERY, { interval: 300 });
		await waitUntil('and on carol\'s site', async () =>
			!(await theirs(C, carol, convC, (m) => m.text === 'Map found') || {}).their_reaction, DELIVERY, { interval: 1000 });
	}, { needs: ['setup'] });

	await step('without JavaScript: Edit opens the page editing, Send edits', async () => {
		const { ctx, p } = await withoutJs(browser, A, withA);
		const li = item(p, 'Bring the map');
		await li.locator('details.more > summary').click();
		await Promise.all([p.waitForNavigation(), li.locator('details.more a.edit').click()]);
		assert.ok(p.url().includes('?edit='), p.url());
		assert.ok(await p.locator('#edit-bar').isVisible());
		assert.strictEqual(await p.locator('#compose textarea').inputValue(), 'Bring the map');
		await shot(p, 'edit-nojs-1280-light');
		await p.locator('#compose textarea').fill('Bring the big map');
		await Promise.all([p.waitForNavigation(), p.locator('#compose button[type=submit]').click()]);
		assert.strictEqual(await item(p, 'Bring the big map').locator('.meta .edited').count(), 1);
		assert.strictEqual(await p.locator('#messages li.message .text', { hasText: 'Bring the' }).count(), 1);
		assert.ok(!(await p.locator('#edit-bar').isVisible()));
		// Delete: the checkbox is required before the form goes.
		const l2 = item(p, 'Bring the big map');
		await l2.locator('details.more > summary').click();
		assert.ok(await l2.locator('form.delete label.confirm').isVisible());
		await l2.locator('form.delete input[name=confirm]').check();
		await Promise.all([p.waitForNavigation(), l2.locator('form.delete button').click()]);
		const a = await api(A, alice, `/feed/api/with/${convA}`);
		assert.ok(a.messages.some((m) => m.deleted && m.text === ''), 'not deleted');
		await ctx.close();
	}, { needs: ['setup'] });

	await step('light and dark, 1280 and 375: axe-core finds nothing with the menu open', async () => {
		await postFrom(ai, alice, { to: carol.url, text: 'One more for the pictures' });
		const bad = [];
		await inThemes(browser, A, 'alice', withA, errors, async (p, w, scheme) => {
			const li = item(p, 'One more for the pictures');
			if (w > 400) await li.locator('.bubble').hover();
			await li.locator('details.more > summary').click();
			await conversationLooks(p, w, scheme, 'edit', bad);
			await li.locator('details.more a.edit').click();
			await shot(p, `edit-bar-${w}-${scheme}`);
		});
		assert.deepStrictEqual(bad, []);
	}, { needs: ['setup'] });

	await noErrors(errors);
}

t.run('edit', main);
