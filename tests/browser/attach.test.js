#!/usr/bin/env node
// tests/browser/attach.test.js - photos and files (issue 15) in headless
// Chromium, on two real sites (alice and carol, tests/browser/sites.py):
// * alice attaches a PNG and a PDF with the compose box's button and sends
//   them with a line of text: her page shows the picture with its width
//   and height set (its box has its height before the bytes load: no
//   layout jump), at most 20rem wide, and the PDF as a download chip with
//   its name and size;
// * carol's site fetches its own copies: her page shows the picture from
//   her own route (it loads), the chip, and the text without the file line;
// * alice sends a video (a minimal MP4, named .bin: typed from the
//   bytes); carol's page at 375 px shows it in a <video controls
//   preload="metadata"> no wider than the screen (not played);
// * axe-core finds nothing on either page; screenshots attach-*.png.
//
// Prints TAP lines like chat.test.js and ends with "attach: N passed, N
// failed".  Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const t = require('./lib.js');

const { step, comment, waitUntil, watch, api, DELIVERY, shot, axe, item, signInBoth, noErrors, ARTIFACTS } = t;
const TEXT = 'The view from the hotel, and the booking';

// A 640 x 400 PNG: a gradient, so the screenshot shows it.
function png(w, h) {
	const crcTable = [];
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		crcTable[n] = c >>> 0;
	}
	const crc = (b) => { let c = 0xffffffff; for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
	const chunk = (type, data) => {
		const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type), data]);
		const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
		return Buffer.concat([len, td, c]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
	const raw = Buffer.alloc((w * 3 + 1) * h);
	for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
		const o = y * (w * 3 + 1) + 1 + x * 3;
		raw[o] = (x * 255 / w) | 0; raw[o + 1] = (y * 255 / h) | 0; raw[o + 2] = 160;
	}
	return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
// An ISO BMFF 'ftyp' box and an empty-ish mdat: video/mp4 by its bytes.
const MP4 = Buffer.concat([Buffer.from('\0\0\0\x18ftypisom\0\0\x02\0isomiso2', 'latin1'),
	Buffer.from([0, 0, 0x04, 0x08]), Buffer.from('mdat'), Buffer.alloc(1024, 7)]);
const CLIP = 'A short clip from the boat';

async function main({ sites, browser, root }) {
	const errors = [];
	const { alice, carol } = sites;
	const A = await t.context(browser, { width: 1280, height: 800 });
	const C = await t.context(browser, { width: 375, height: 740 });
	const ai = watch(await A.newPage(), 'attach-alice');
	const ci = watch(await C.newPage(), 'attach-carol');
	ai.on('pageerror', (e) => errors.push(`alice: ${e.message}`));
	ci.on('pageerror', (e) => errors.push(`carol: ${e.message}`));
	let convA, convC;

	await step('alice attaches a picture and a PDF with the button and sends them', async () => {
		({ convA, convC } = await signInBoth(ai, alice, ci, carol));
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		assert.strictEqual(await ai.locator('form#compose label.attach').count(), 1, 'no attach button');
		await ai.locator('#file').setInputFiles([
			{ name: 'view.png', mimeType: 'image/png', buffer: png(640, 400) },
			{ name: 'booking.pdf', mimeType: 'application/pdf', buffer: PDF },
		]);
		await ai.locator('form#compose textarea').fill(TEXT);
		await ai.keyboard.press('Enter');
		await waitUntil('the message is stored with both files', async () => {
			const a = await api(A, alice, `/feed/api/with/${convA}`);
			const m = (a.messages || []).find((x) => x.text === TEXT);
			return m && m.attachments && m.attachments.length === 2;
		}, 30000, { interval: 300 });
		assert.strictEqual(await ai.locator('#file').inputValue(), '', 'the files stay chosen after sending');
	}, { id: 'sent' });

	await step('alice\'s page: the picture has its box before it loads, the PDF a chip', async () => {
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		const li = item(ai, TEXT);
		const img = li.locator('.atts a.att-photo img');
		assert.strictEqual(await img.getAttribute('width'), '640');
		assert.strictEqual(await img.getAttribute('height'), '400');
		// The box from the attributes alone: a clone whose bytes never load.
		const box = await img.evaluate((el) => {
			const c = el.cloneNode(); c.removeAttribute('src'); c.removeAttribute('loading');
			el.parentNode.appendChild(c);
			const r = c.getBoundingClientRect(); c.remove();
			return { w: r.width, h: r.height, max: parseFloat(getComputedStyle(document.documentElement).fontSize) * 20 };
		});
		assert.ok(box.w > 0 && box.w <= box.max + 0.5, `width ${box.w}`);
		assert.ok(Math.abs(box.h - box.w * 400 / 640) < 1.5, `no aspect box: ${JSON.stringify(box)}`);
		await waitUntil('the picture loads', async () => img.evaluate((el) => el.complete && el.naturalWidth === 640), 10000, { interval: 200 });
		const chip = li.locator('.atts a.att-file');
		assert.strictEqual(await chip.getAttribute('download'), 'booking.pdf');
		assert.strictEqual((await chip.locator('.att-name').textContent()).trim(), 'booking.pdf');
		assert.ok(/bytes|KB/.test(await chip.locator('.att-size').textContent()));
		await shot(ai, 'attach-alice-1280-light');
	}, { needs: ['sent'], id: 'alice' });

	await step('carol\'s site fetches its own copies; her page shows them', async () => {
		await waitUntil('carol has both files', async () => {
			const c = await api(C, carol, `/feed/api/with/${convC}`);
			const m = (c.messages || []).find((x) => x.text === TEXT);
			return m && m.attachments && m.attachments.length === 2 &&
				m.attachments.every((x) => x.state === 'stored');
		}, DELIVERY, { interval: 1000 });
		await ci.goto(`${carol.base_url}/feed/with/${convC}`);
		const li = item(ci, TEXT);
		const img = li.locator('.atts a.att-photo img');
		assert.ok((await img.getAttribute('src')).startsWith(`${new URL(carol.base_url).pathname}/feed/with/${convC}/attachment/`));
		await waitUntil('carol\'s copy loads', async () => img.evaluate((el) => el.complete && el.naturalWidth === 640), 10000, { interval: 200 });
		assert.strictEqual((await li.locator('.text').textContent()).trim(), TEXT);
		assert.strictEqual(await li.locator('.atts a.att-file').count(), 1);
		await shot(ci, 'attach-carol-375-light');
	}, { needs: ['alice'], id: 'carol' });

	await step('a received video shows as <video controls> that fits at 375 px', async () => {
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		await ai.locator('#file').setInputFiles([{ name: 'boat.bin', mimeType: 'application/octet-stream', buffer: MP4 }]);
		await ai.locator('form#compose textarea').fill(CLIP);
		await ai.keyboard.press('Enter');
		// The script draws the sent message from its JSON: a player too.
		await waitUntil('alice\'s page shows her video without a reload', async () =>
			(await item(ai, CLIP).locator('.atts video.att-video[controls]').count()) === 1,
		15000, { interval: 300 });
		await waitUntil('carol has the video', async () => {
			const c = await api(C, carol, `/feed/api/with/${convC}`);
			const m = (c.messages || []).find((x) => x.text === CLIP);
			return m && m.attachments && m.attachments.length === 1 &&
				m.attachments[0].state === 'stored' && m.attachments[0].type === 'video/mp4';
		}, DELIVERY, { interval: 1000 });
		await ci.goto(`${carol.base_url}/feed/with/${convC}`);
		const video = item(ci, CLIP).locator('.atts video.att-video');
		assert.strictEqual(await video.count(), 1, 'no <video> element');
		const v = await video.evaluate((el) => ({
			controls: el.controls, preload: el.getAttribute('preload'),
			src: el.getAttribute('src'), w: el.getBoundingClientRect().width,
			right: el.getBoundingClientRect().right, vw: document.documentElement.clientWidth,
		}));
		assert.ok(v.controls, 'the video has no controls');
		assert.strictEqual(v.preload, 'metadata');
		assert.ok(v.src.startsWith(`${new URL(carol.base_url).pathname}/feed/with/${convC}/attachment/`), v.src);
		assert.ok(v.w > 100 && v.right <= v.vw + 0.5, `the video does not fit: ${JSON.stringify(v)}`);
		await shot(ci, 'attach-carol-375-video');
	}, { needs: ['carol'], id: 'video' });

	await step('axe-core finds nothing on either page', async () => {
		const bad = [...await axe(ai, 'alice 1280', { why: false }), ...await axe(ci, 'carol 375', { why: false })];
		assert.deepStrictEqual(bad, []);
	}, { needs: ['carol'] });

	// --- The compose box's strip of chosen files, the caps checked in
	// the page before an upload, and the upload's progress.
	const strip = ai.locator('#attached');
	const picks = strip.locator('li.pick');
	const result = ai.locator('#compose-result');
	const filler = (name, size) => ({ name, mimeType: 'application/pdf',
		buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size - 16, 0x41), Buffer.from('\n%%EOF\n')]) });
	const consoleErrors = [];
	ai.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
	const stripShot = async (name) => {
		fs.mkdirSync(ARTIFACTS, { recursive: true });
		const file = path.join(ARTIFACTS, name + '.png');
		await ai.locator('form#compose').screenshot({ path: file });
		comment('screenshot: ' + file);
	};

	await step('chosen files show above the box: a thumbnail and a chip, each removable', async () => {
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		assert.ok(await strip.isHidden(), 'an empty strip shows');
		await ai.locator('#file').setInputFiles([
			{ name: 'harbour.png', mimeType: 'image/png', buffer: png(320, 200) },
			filler('minutes-of-the-meeting.pdf', 5000),
		]);
		assert.strictEqual(await picks.count(), 2);
		const img = strip.locator('li.pick-photo img');
		assert.strictEqual(await img.getAttribute('alt'), 'harbour.png');
		assert.ok((await img.getAttribute('src')).startsWith('blob:'), 'no object URL');
		// The page's CSP lets the preview load (img-src blob:).
		await waitUntil('the thumbnail loads', async () => img.evaluate((el) => el.complete && el.naturalWidth === 320), 5000, { interval: 100 });
		const chip = strip.locator('li.pick-file');
		assert.strictEqual((await chip.locator('.pick-name').textContent()).trim(), 'minutes-of-the-meeting.pdf');
		assert.strictEqual((await chip.locator('.pick-size').textContent()).trim(), '5 KB');
		assert.strictEqual(await ai.getByRole('button', { name: 'Remove harbour.png' }).count(), 1);
		assert.strictEqual(await ai.getByRole('button', { name: 'Remove minutes-of-the-meeting.pdf' }).count(), 1);
		// The 📎 adds more; it does not replace what is chosen.
		await ai.locator('#file').setInputFiles([filler('agenda.pdf', 3000)]);
		assert.strictEqual(await picks.count(), 3);
		assert.strictEqual(await ai.locator('#file').inputValue(), '');
		// A message with files needs no text.
		assert.strictEqual(await ai.locator('form#compose textarea').evaluate((t) => t.required), false);
		await stripShot('attach-strip-1280-light');
		await ai.emulateMedia({ colorScheme: 'dark' });
		await stripShot('attach-strip-1280-dark');
		await ai.setViewportSize({ width: 375, height: 740 });
		await stripShot('attach-strip-375-dark');
		await ai.emulateMedia({ colorScheme: 'light' });
		await stripShot('attach-strip-375-light');
		await ai.setViewportSize({ width: 1280, height: 800 });
		assert.deepStrictEqual(await axe(ai, 'alice with the strip'), []);
		// Remove one: the next one's button has the focus.
		await ai.getByRole('button', { name: 'Remove minutes-of-the-meeting.pdf' }).click();
		assert.strictEqual(await picks.count(), 2);
		assert.strictEqual(await ai.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Remove agenda.pdf');
		await ai.getByRole('button', { name: 'Remove agenda.pdf' }).click();
		await ai.getByRole('button', { name: 'Remove harbour.png' }).click();
		assert.ok(await strip.isHidden(), 'the strip stays after the last remove');
		assert.strictEqual(await ai.locator('form#compose textarea').evaluate((t) => t.required), true);
	}, { needs: ['sent'], id: 'strip' });

	// Small caps for alice (each request reads the configuration).
	const conf = path.join(root, 'sites', 'alice', 'indiechat.conf');
	const sends = [];
	ai.on('request', (r) => { if (r.method() === 'POST' && /\/send(\?|$)/.test(r.url())) sends.push(r.url()); });

	await step('over the site\'s caps a file is refused in the page, and nothing is sent', async () => {
		fs.appendFileSync(conf, 'attach_max_file_bytes = 200000\nattach_max_message_bytes = 300000\n');
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		const form = ai.locator('form#compose');
		assert.strictEqual(await form.getAttribute('data-max-file'), '200000');
		assert.strictEqual(await form.getAttribute('data-max-message'), '300000');
		sends.length = 0;
		await ai.locator('#file').setInputFiles([filler('photo.pdf', 250000)]);
		assert.strictEqual((await result.textContent()).trim(), 'photo.pdf is 245 KB; at most 196 KB a file.');
		assert.ok(await strip.isHidden(), 'the file too large was added');
		// Send with nothing chosen and no text: nothing goes.
		await ai.locator('form#compose button[type=submit]').click();
		// Two files that fit alone, not together.
		await ai.locator('#file').setInputFiles([filler('a.pdf', 180000), filler('b.pdf', 180000)]);
		assert.strictEqual(await picks.count(), 1);
		assert.match(await result.textContent(), /^b\.pdf not added: the files would be 352 KB together; at most 293 KB in one message\.$/);
		await ai.getByRole('button', { name: 'Remove a.pdf' }).click();
		// More than ten files: the first ten.
		await ai.locator('#file').setInputFiles(Array.from({ length: 11 }, (_, i) => filler(`n${i}.pdf`, 100)));
		assert.strictEqual(await picks.count(), 10);
		assert.strictEqual((await result.textContent()).trim(), 'n10.pdf not added: at most 10 files in one message.');
		await ai.waitForTimeout(1000);
		assert.deepStrictEqual(sends, [], 'the page sent something');
	}, { needs: ['strip'], id: 'caps' });

	await step('a send with a file shows its upload\'s progress, then "stored"', async () => {
		const NOTE = 'The minutes, uploaded slowly';
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		// Record what the pending bubble shows, every change.
		await ai.evaluate(() => {
			window.__seen = { pct: [], state: [] };
			new MutationObserver(() => {
				const li = document.querySelector('#messages li.pending');
				if (!li) return;
				const p = li.querySelector('.upload-pct'), s = li.querySelector('.state');
				if (p && window.__seen.pct[window.__seen.pct.length - 1] !== p.textContent) window.__seen.pct.push(p.textContent);
				if (s && window.__seen.state[window.__seen.state.length - 1] !== s.getAttribute('data-state')) window.__seen.state.push(s.getAttribute('data-state'));
			}).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true, attributes: true });
		});
		// A slow uplink (DevTools throttling), so the upload takes seconds.
		const cdp = await A.newCDPSession(ai);
		await cdp.send('Network.enable');
		await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 24 * 1024 });
		sends.length = 0;
		await ai.locator('#file').setInputFiles([filler('minutes.pdf', 190000)]);
		await ai.locator('form#compose textarea').fill(NOTE);
		await ai.keyboard.press('Enter');
		assert.ok(await strip.isHidden(), 'the strip stays after Send');
		const bar = ai.locator('#messages li.pending .upload progress');
		await waitUntil('the bar moves', async () => {
			const v = await bar.evaluate((el) => el.value).catch(() => 0);
			return v > 0 && v < 100;
		}, 15000, { interval: 100 });
		assert.strictEqual(await ai.locator('#messages li.pending .att-file .att-name').textContent(), 'minutes.pdf');
		// Its fade-in done (the screenshot would catch it half drawn).
		await ai.locator('#messages li.pending').evaluate((li) => Promise.all(li.getAnimations().map((x) => x.finished)));
		await shot(ai, 'attach-alice-1280-progress');
		await waitUntil('the message is stored', async () =>
			(await ai.evaluate(() => window.__seen.state)).includes('stored'), 30000, { interval: 200 });
		await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
		const seen = await ai.evaluate(() => window.__seen);
		comment('progress seen: ' + seen.pct.join(' ') + '; states: ' + seen.state.join(' '));
		assert.ok(seen.pct.some((x) => x !== '0%' && x !== '100%'), `no progress between: ${seen.pct}`);
		assert.strictEqual(seen.state[0], 'sending');
		assert.strictEqual(await ai.locator('#messages .upload').count(), 0, 'the bar stays');
		assert.strictEqual(sends.length, 1);
		const a = await api(A, alice, `/feed/api/with/${convA}`);
		const m = (a.messages || []).find((x) => x.text === NOTE);
		assert.ok(m && m.attachments && m.attachments.length === 1 && m.attachments[0].name === 'minutes.pdf', 'not stored with its file');
	}, { needs: ['caps'] });

	await step('a file the server refuses: the bubble says its sentence, Retry sends it again', async () => {
		const NOTE = 'The scan, refused by the server';
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		// The page has 200000 bytes a file; the server now allows less.
		fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('attach_max_file_bytes = 200000', 'attach_max_file_bytes = 50000'));
		await ai.locator('#file').setInputFiles([filler('scan.pdf', 100000)]);
		assert.strictEqual(await picks.count(), 1);
		await ai.locator('form#compose textarea').fill(NOTE);
		await ai.keyboard.press('Enter');
		const li = ai.locator('#messages li.pending.failed');
		await waitUntil('the send fails', async () => (await li.count()) === 1, 15000, { interval: 200 });
		assert.strictEqual((await result.textContent()).trim(),
			'Not sent: scan.pdf is 100000 bytes, over the 50000 bytes a file may have (attach_max_file_bytes)');
		assert.strictEqual(await li.locator('.upload').count(), 0, 'the bar stays');
		// Allowed again: Retry sends the same file.
		fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace('attach_max_file_bytes = 50000', 'attach_max_file_bytes = 200000'));
		await li.locator('button.retry').click();
		await waitUntil('the retry is stored with its file', async () => {
			const a = await api(A, alice, `/feed/api/with/${convA}`);
			const m = (a.messages || []).find((x) => x.text === NOTE);
			return m && m.attachments && m.attachments.length === 1 && m.attachments[0].name === 'scan.pdf';
		}, 30000, { interval: 300 });
	}, { needs: ['caps'] });

	await step('a picture pasted into the box, or a file dropped on the form, is chosen too', async () => {
		await ai.goto(`${alice.base_url}/feed/with/${convA}`);
		const b64 = png(32, 24).toString('base64');
		await ai.evaluate((data) => {
			const file = (name, type) => new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type });
			const pasted = new DataTransfer();
			pasted.items.add(file('pasted.png', 'image/png'));
			document.querySelector('form#compose textarea').dispatchEvent(
				new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
			const dropped = new DataTransfer();
			dropped.items.add(file('dropped.bin', 'application/octet-stream'));
			document.querySelector('form#compose').dispatchEvent(
				new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
		}, b64);
		assert.strictEqual(await picks.count(), 2);
		assert.strictEqual(await strip.locator('li.pick-photo img').getAttribute('alt'), 'pasted.png');
		assert.strictEqual((await strip.locator('li.pick-file .pick-name').textContent()).trim(), 'dropped.bin');
		assert.strictEqual(await ai.locator('form#compose textarea').inputValue(), '');
	}, { needs: ['strip'] });

	await step('no console errors with the strip (a CSP refusal, say)', async () => {
		assert.deepStrictEqual(consoleErrors.filter((x) => !/^Failed to load resource/.test(x)), []);
	});

	await noErrors(errors);
}

t.run('attach', main);
