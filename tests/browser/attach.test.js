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
const zlib = require('zlib');
const t = require('./lib.js');

const { step, waitUntil, watch, api, DELIVERY, shot, axe, item, signInBoth, noErrors } = t;
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

async function main({ sites, browser }) {
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

	await noErrors(errors);
}

t.run('attach', main);
