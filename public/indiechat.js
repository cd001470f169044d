/* indiechat.js - live updates, sending without a reload, and the small
 * comforts of a messenger (issue 14).
 *
 * The pages work without it: every form posts and the server answers 303
 * back to the page, which opens at the newest message (the style sheet's
 * column-reverse scroller).  With it:
 *  - the inbox and the open conversation ask the session-protected JSON
 *    under B/feed/api/ for changes (with ETag, so an unchanged answer is a
 *    304 without a body).  Not every 2 s as before: the wait grows while
 *    nothing changes (POLL_MIN_MS up to POLL_MAX_MS), is POLL_HIDDEN_MS
 *    in a hidden tab, and drops back at once on any change, key press or
 *    when the tab is shown again.  No daemon, no held CGI process;
 *  - new messages appear, unread counts, previews and the list's order
 *    follow, the title says "(N) " and the favicon shows N;
 *  - opening a conversation tells the other tabs (localStorage "storage"
 *    event), which ask again at once, so it is read on every tab;
 *  - times are shown in the reader's time zone (short; exact on hover),
 *    days are separated and grouped by the reader's own days;
 *  - compose: Enter sends, Shift+Enter makes a new line (a checkbox turns
 *    this off, remembered); the box grows with its text; a message shows
 *    at once as "sending", then settles to its state, or shows the error
 *    with a Retry and keeps the text; each conversation's draft is kept in
 *    localStorage (never sent to the server) and survives a reload;
 *  - "Older messages" loads the page before without leaving this one;
 *  - replies (issue 15): each message's Reply action (a link that works
 *    without the script too; in the Tab order only for the focused
 *    message) fills the compose form's hidden reply_to
 *    and shows the quote bar (Cancel or Esc drops it); a reply's quote
 *    scrolls to the message it answers and highlights it, loading older
 *    pages when it is not on this one;
 *  - photos and files (issue 15): the chosen files show above the box
 *    (thumbnails, chips, each removable; the 📎, a paste or a drop add
 *    more), are checked
 *    against the site's caps (the form's data-max-*) before any upload,
 *    and a send with files shows its upload's progress (XMLHttpRequest);
 *  - desktop notifications while a tab is open, once the owner turns them
 *    on with the bell in the list's header, beside the inbox and the
 *    conversation (issue 16).
 * Plain DOM code, no framework, nothing inline (the pages' Content-
 * Security-Policy allows no inline script).  Received HTML in the JSON was
 * sanitized with the server's allow-list before it was stored (MC-3).
 */
(function () {
	"use strict";
	var POLL_MIN_MS = 2000, POLL_MAX_MS = 15000, POLL_HIDDEN_MS = 60000;
	var cfg = document.getElementById("ic");
	if (!cfg || !window.fetch || !window.URLSearchParams) return;
	var base = cfg.getAttribute("data-base");
	var page = cfg.getAttribute("data-page");
	var conv = cfg.getAttribute("data-conv");
	var etags = {}, busy = false, wait = POLL_MIN_MS, timer = null;
	var baseTitle = document.title.replace(/^\(\d+\) /, "");
	var store = (function () {
		try { var s = window.localStorage; s.setItem("ic:t", "1"); s.removeItem("ic:t"); return s; }
		catch (e) { return null; }
	})();
	var DAY = 86400000;

	function getJSON(url) {
		var h = { "Accept": "application/json" };
		if (etags[url]) h["If-None-Match"] = etags[url];
		return fetch(url, { credentials: "same-origin", headers: h })
			.then(function (r) {
				if (r.status === 304) return null;
				if (r.status === 401) { location.reload(); return null; }
				if (!r.ok) return null;
				var tag = r.headers.get("ETag");
				if (tag) etags[url] = tag;
				return r.json();
			});
	}

	/* --- title and favicon -------------------------------------------- */

	var lastUnread = -1, siteIcon = null;
	function setUnread(unread) {
		document.title = (unread > 0 ? "(" + unread + ") " : "") + baseTitle;
		if (unread === lastUnread) return;
		lastUnread = unread;
		var link = document.querySelector("link[rel=icon]");
		if (!link) {
			link = document.createElement("link");
			link.rel = "icon";
			document.head.appendChild(link);
		}
		if (siteIcon === null) siteIcon = link.getAttribute("href") || "";
		link.setAttribute("data-unread", String(unread));
		if (unread === 0 && siteIcon) { /* nothing unread: the site's own icon */
			link.href = siteIcon;
			return;
		}
		var c = document.createElement("canvas");
		c.width = c.height = 32;
		var g = c.getContext && c.getContext("2d");
		if (!g) return;
		g.fillStyle = "#2a5db0";
		g.beginPath(); g.arc(16, 16, 15, 0, 2 * Math.PI); g.fill();
		g.fillStyle = "#fff";
		g.font = "bold " + (unread > 9 ? 15 : 19) + "px sans-serif";
		g.textAlign = "center"; g.textBaseline = "middle";
		g.fillText(unread > 0 ? (unread > 99 ? "99+" : String(unread)) : "IC", 16, 17);
		link.href = c.toDataURL("image/png");
	}

	/* --- times in the reader's time zone ------------------------------ */

	function two(n) { return (n < 10 ? "0" : "") + n; }
	function dayKey(d) { return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()); }
	function shortTime(d) { return d.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }); }
	function dayLabel(d) {
		var today = new Date(), y = new Date(Date.now() - DAY);
		if (dayKey(d) === dayKey(today)) return "Today";
		if (dayKey(d) === dayKey(y)) return "Yesterday";
		return d.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long",
			year: d.getFullYear() === today.getFullYear() ? undefined : "numeric" });
	}
	function relative(d) {
		var s = (Date.now() - d.getTime()) / 1000;
		if (s < 60) return "now";
		if (s < 3600) return Math.floor(s / 60) + " min";
		if (dayKey(d) === dayKey(new Date())) return shortTime(d);
		if (dayKey(d) === dayKey(new Date(Date.now() - DAY))) return "Yesterday";
		if (s < 6 * 86400) return d.toLocaleDateString([], { weekday: "short" });
		return d.toLocaleDateString([], { day: "numeric", month: "short" });
	}
	function localTimes(root) {
		var ts = (root || document).querySelectorAll("time[datetime]");
		for (var i = 0; i < ts.length; i++) {
			var t = ts[i], d = new Date(t.getAttribute("datetime"));
			if (isNaN(d.getTime())) continue;
			t.title = d.toLocaleString([], { dateStyle: "full", timeStyle: "long" });
			if (t.parentNode && t.parentNode.classList.contains("meta")) t.textContent = shortTime(d);
			else if (t.classList.contains("when")) t.textContent = relative(d);
			else t.textContent = d.toLocaleString();
		}
	}

	/* --- the conversation list ---------------------------------------- */

	function cssEscape(s) {
		return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&");
	}

	function typing() {
		var a = document.activeElement;
		return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA") && a.value;
	}

	/* --- desktop notifications while a tab is open (issue 16) --------- */

	/* The Notification API, after the owner turns it on with the bell
	 * (asking the browser needs a click).  One notification a
	 * conversation (its tag replaces the last), naming the correspondent
	 * and saying what came, never the text: the other channels' privacy
	 * by default.  Nothing for the conversation read in a visible tab.
	 * Every open tab sees the same counts: the first to see one takes it
	 * (localStorage "ic:told:<id>"), so one notification, not one a tab. */
	var canNotify = "Notification" in window, seen = null;
	function notifyOn() {
		return canNotify && Notification.permission === "granted" &&
			(!store || store.getItem("ic:notify") !== "0");
	}
	function bellLabel(b) {
		var denied = canNotify && Notification.permission === "denied";
		b.disabled = denied;
		b.setAttribute("aria-pressed", notifyOn() ? "true" : "false");
		b.title = denied ? "Notifications are blocked for this site in your browser's settings"
			: notifyOn() ? "Notifications on: click to turn them off"
			: "Turn on notifications for new messages";
		b.setAttribute("aria-label", b.title);
		b.textContent = notifyOn() ? "\uD83D\uDD14" : "\uD83D\uDD15";
	}
	function setUpBell() {
		/* The list's heading: the inbox's, or the list beside a
		 * conversation (at 1280 px), where other conversations still
		 * notify. */
		var head = document.querySelector("#sidebar h1") ||
			document.querySelector("#sidebar #conversations-h");
		if (!canNotify || !head) return;
		var b = document.createElement("button");
		b.type = "button"; b.id = "notify"; b.className = "bell";
		head.parentNode.insertBefore(b, head);
		bellLabel(b);
		b.addEventListener("click", function () {
			if (Notification.permission === "granted") {
				if (store) store.setItem("ic:notify", notifyOn() ? "0" : "1");
				bellLabel(b);
				return;
			}
			var asked = Notification.requestPermission(function () { bellLabel(b); });
			if (asked && asked.then) asked.then(function () {
				if (store) store.setItem("ic:notify", "1");
				bellLabel(b);
			});
		});
	}
	function what(c, more) {
		if (c.state === "request") return "Message request";
		return more > 1 ? more + " new messages" : "New message";
	}
	function tell(c, more) {
		var k = "ic:told:" + c.id, v = c.state + " " + c.unread;
		if (store) {
			if (store.getItem(k) === v) return;
			store.setItem(k, v);
		}
		var n = new Notification(c.name || c.peer, { body: what(c, more), tag: "ic:" + c.id });
		n.onclick = function () {
			window.focus();
			location.href = base + "/feed/with/" + encodeURIComponent(c.id);
			n.close();
		};
	}
	function notifyNew(data) {
		var now = {};
		for (var i = 0; i < data.conversations.length; i++) {
			var c = data.conversations[i], was = seen && seen[c.id];
			now[c.id] = c.unread;
			if (!seen || c.closed || !notifyOn()) continue;
			if (page === "conversation" && c.id === conv && !document.hidden) continue;
			if (was === undefined && c.state === "request") tell(c, 1);
			else if (c.unread > (was || 0)) tell(c, c.unread - (was || 0));
		}
		seen = now;
	}

	function updateList(data) {
		setUnread(data.unread);
		try { notifyNew(data); } catch (e) { /* a browser that refuses */ }
		var ul = document.getElementById("conversations");
		if (!ul) return;
		var missing = false, order = [];
		for (var i = 0; i < data.conversations.length; i++) {
			var c = data.conversations[i];
			if (c.closed) continue;
			var li = document.querySelector(c.state === "request"
				? 'li.request[data-peer="' + cssEscape(c.peer) + '"]'
				: 'li.conversation[data-conv="' + cssEscape(c.id) + '"]');
			if (!li) { missing = true; continue; }
			var u = li.querySelector(".unread");
			if (u && u.getAttribute("data-count") !== String(c.unread)) {
				u.textContent = String(c.unread);
				u.setAttribute("data-count", String(c.unread));
			}
			var p = li.querySelector(".preview");
			if (p && c.preview && p.textContent !== c.preview) p.textContent = c.preview;
			var w = li.querySelector("time.when");
			if (w && c.activity) {
				var iso = new Date(c.activity * 1000).toISOString().replace(/\.\d+Z$/, "Z");
				if (w.getAttribute("datetime") !== iso) { w.setAttribute("datetime", iso); localTimes(li); }
			}
			if (li.classList.contains("conversation")) order.push(li);
		}
		/* The server sends them newest activity first: keep that order. */
		var now = ul.querySelectorAll("li.conversation"), same = now.length === order.length;
		for (var q = 0; same && q < order.length; q++) same = now[q] === order[q];
		for (var j = order.length - 1; !same && j >= 0; j--) ul.insertBefore(order[j], ul.firstElementChild);
		/* A new conversation or request: the server renders it. */
		var shown = document.querySelectorAll("li.request, li.conversation").length;
		var open = 0;
		for (var k = 0; k < data.conversations.length; k++) if (!data.conversations[k].closed) open++;
		if (page === "inbox" && (missing || open !== shown) && !typing()) location.reload();
	}

	/* --- the conversation --------------------------------------------- */

	var STATE_TITLE = {
		sending: "Sending…", failed: "Not sent",
		stored: "Stored: published in your feed",
		notified: "Notified: their site was told it is there",
		fetched: "Fetched: their site has read it"
	};

	function setState(li, state) {
		var s = li.querySelector(".state");
		if (!s) {
			s = document.createElement("span");
			s.className = "state";
			s.appendChild(document.createElement("span")).className = "vh";
			var meta = li.querySelector(".meta");
			meta.appendChild(document.createTextNode(" "));
			meta.appendChild(s);
		}
		if (s.getAttribute("data-state") === state) return;
		s.setAttribute("data-state", state);
		s.title = STATE_TITLE[state] || state;
		s.firstChild.textContent = state;
	}

	/* Text as the server writes it: escaped, http/https/mailto as links. */
	function linkify(el, text) {
		var re = /(^|[^A-Za-z0-9])((?:https?:\/\/|mailto:)[^\s<>"`\u0000-\u001f\u007f]+)/gi, at = 0, m;
		while ((m = re.exec(text))) {
			var url = m[2], start = m.index + m[1].length;
			var trail = /[.,;:!?']+$/.exec(url);
			if (trail) url = url.slice(0, -trail[0].length);
			while (/\)$/.test(url) && (url.split(")").length > url.split("(").length)) url = url.slice(0, -1);
			if (/^mailto:/i.test(url) && url.indexOf("@") < 0) continue;
			if (/^(https?:\/\/|mailto:)$/i.test(url)) continue;
			el.appendChild(document.createTextNode(text.slice(at, start)));
			var a = document.createElement("a");
			a.href = url; a.rel = "noopener noreferrer nofollow"; a.textContent = url;
			el.appendChild(a);
			at = start + url.length;
			re.lastIndex = at;
		}
		el.appendChild(document.createTextNode(text.slice(at)));
	}

	/* A reply's quote as the server draws it (page_conversation.c). */
	function quoteEl(q, unknown) {
		if (!q && !unknown) return null;
		if (!q) {
			var p = document.createElement("p");
			p.className = "quote missing";
			var arrow = p.appendChild(document.createElement("span"));
			arrow.setAttribute("aria-hidden", "true");
			arrow.textContent = "\u21aa ";
			p.appendChild(document.createTextNode("Reply to a message not here"));
			return p;
		}
		var a = document.createElement("a");
		a.className = "quote";
		a.href = "#" + q.id;
		a.setAttribute("data-target", q.id);
		a.appendChild(document.createElement("span")).className = "vh";
		a.firstChild.textContent = "In reply to ";
		var who = a.appendChild(document.createElement("span"));
		who.className = "quote-author"; who.textContent = q.author;
		var t = a.appendChild(document.createElement("span"));
		t.className = "quote-text"; t.textContent = q.text;
		return a;
	}

	function replyAction(uid) {
		var a = document.createElement("a");
		a.className = "reply";
		a.href = "?reply_to=" + encodeURIComponent(uid) + "#text";
		a.setAttribute("data-uid", uid);
		a.setAttribute("role", "button");
		a.tabIndex = -1; /* reached from its message: see rovingReply */
		a.title = "Reply";
		var icon = a.appendChild(document.createElement("span"));
		icon.setAttribute("aria-hidden", "true"); icon.textContent = "\u21a9";
		a.appendChild(document.createElement("span")).className = "vh";
		a.lastChild.textContent = "Reply";
		return a;
	}

	function bubble(li, author, dir, text, html, quote) {
		var b = document.createElement("div");
		b.className = "bubble";
		var who = document.createElement("span");
		who.className = "author" + (dir === "out" ? " vh" : "");
		who.textContent = author;
		b.appendChild(who);
		if (quote) b.appendChild(quote);
		var body;
		/* As the server: their HTML unless it has no link while its
		 * text has an address (then the text, linkified). */
		if (html && (/<a /.test(html) || !/(https?:\/\/|mailto:)/i.test(text))) {
			body = document.createElement("div");
			body.innerHTML = html; /* sanitized by the server (MC-3) */
		} else {
			body = document.createElement("p");
			linkify(body, text);
		}
		body.className = "text";
		b.appendChild(body);
		var meta = document.createElement("span");
		meta.className = "meta";
		b.appendChild(meta);
		li.appendChild(b);
		return meta;
	}

	/* Issue 15: a message's files as the server draws them
	 * (page_attach.c): a picture with its size set before it loads, a
	 * file as a download chip, a missing one saying why. */
	function attsEl(list) {
		var box = document.createElement("div");
		box.className = "atts";
		list.forEach(function (x) {
			var el, name = document.createElement("span"), size = document.createElement("span");
			name.className = "att-name"; name.textContent = x.name;
			size.className = "att-size";
			if (x.state !== "stored") {
				el = document.createElement("span");
				el.className = "att-file att-" + x.state;
				size.textContent = x.why;
			} else if (/^image\//.test(x.type) && x.width && x.height) {
				el = document.createElement("a");
				el.className = "att-photo"; el.href = x.src;
				el.target = "_blank"; el.rel = "noopener";
				var img = el.appendChild(document.createElement("img"));
				img.src = x.src; img.width = x.width; img.height = x.height;
				img.alt = x.name; img.loading = "lazy"; img.decoding = "async";
			} else if (/^(video|audio)\//.test(x.type)) {
				/* The browser's player; name and size are its fallback. */
				el = document.createElement(x.type.slice(0, 5));
				el.className = "att-" + x.type.slice(0, 5); el.src = x.src;
				el.controls = true; el.preload = "metadata"; el.title = x.name;
			} else {
				el = document.createElement("a");
				el.className = "att-file"; el.href = x.src;
				el.setAttribute("download", x.name);
				size.textContent = x.size;
			}
			if (el.className !== "att-photo") {
				el.appendChild(name); el.appendChild(document.createTextNode(" ")); el.appendChild(size);
			}
			box.appendChild(el);
			if (x.stripped) {
				var note = box.appendChild(document.createElement("span"));
				note.className = "att-note";
				note.textContent = "Location and camera data removed before sending";
			}
		});
		return box;
	}

	function messageItem(m) {
		var li = document.createElement("li");
		li.className = "message " + m.dir + " new";
		li.setAttribute("data-seq", String(m.seq));
		if (m.uid) li.setAttribute("data-uid", m.uid);
		li.id = "m-" + (m.dir === "out" ? "o" : "i") + "-" + m.seq;
		if (m.photo && /^https?:/.test(m.photo)) {
			var img = document.createElement("img");
			img.className = "photo"; img.src = m.photo; img.alt = "";
			img.width = 32; img.height = 32;
			li.appendChild(img);
		}
		var meta = bubble(li, m.author, m.dir, m.text, m.html, quoteEl(m.quote, m.reply_unknown));
		if (m.attachments && m.attachments.length)
			meta.parentNode.insertBefore(attsEl(m.attachments), meta);
		var t = document.createElement("time");
		t.setAttribute("datetime", m.published); t.textContent = m.time;
		meta.appendChild(t);
		if (m.dir === "out") setState(li, m.state);
		if (m.uid && compose) appendTools(li, m);
		localTimes(li);
		return li;
	}

	/* Issue 15: a message added live gets the controls the server gives
	 * each message (Reply, the picker, our menu), cloned from the
	 * page's <template> for its side with its uid put in. */
	function appendTools(li, m) {
		var tpl = document.getElementById("tools-" + m.dir);
		if (!tpl || !tpl.content) { li.appendChild(replyAction(m.uid)); return; }
		var box = tpl.content.cloneNode(true);
		var els = box.querySelectorAll("[href], [value], [data-uid]");
		for (var i = 0; i < els.length; i++) {
			["href", "value", "data-uid"].forEach(function (a) {
				var v = els[i].getAttribute(a);
				if (v && v.indexOf("__UID__") >= 0)
					els[i].setAttribute(a, v.split("__UID__").join(a === "href" ? encodeURIComponent(m.uid) : m.uid));
			});
		}
		var rs = box.querySelectorAll("a.reply, details > summary");
		for (var j = 0; j < rs.length; j++) rs[j].tabIndex = -1; /* roving */
		var cf = box.querySelector("form.delete label.confirm");
		if (cf) { cf.hidden = true; cf.querySelector("input").required = false; }
		li.appendChild(box);
		if (m.my_reaction || m.their_reaction || m.deleted) redraw(li, m);
	}

	function msgTime(li) {
		var t = li.querySelector("time[datetime]");
		return t ? new Date(t.getAttribute("datetime")).getTime() : Date.now();
	}

	/* Day separators by the reader's own days, groups of one side within
	 * five minutes (as the server does in UTC), emoji-only messages big. */
	var EMOJI = /^(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200d|\ufe0f|\s){1,24}$/u;
	function layoutMessages() {
		var list = document.getElementById("messages");
		if (!list) return;
		var days = list.querySelectorAll("li.day");
		for (var i = 0; i < days.length; i++) list.removeChild(days[i]);
		var lis = list.querySelectorAll("li.message, li.pending"), prev = null, prevDay = null;
		for (var j = 0; j < lis.length; j++) {
			var li = lis[j], t = msgTime(li), d = new Date(t), key = dayKey(d);
			if (key !== prevDay) {
				var sep = document.createElement("li");
				sep.className = "day";
				sep.setAttribute("data-day", key);
				sep.appendChild(document.createElement("span")).textContent = dayLabel(d);
				list.insertBefore(sep, li);
				prev = null;
			}
			prevDay = key;
			var dir = li.classList.contains("out") ? "out" : "in";
			var cont = !!prev && prev.dir === dir && t - prev.t < 300000;
			li.classList.toggle("cont", cont);
			var who = li.querySelector(".author");
			if (who) who.classList.toggle("vh", dir === "out" || cont);
			var img = li.querySelector("img.photo");
			if (img) img.hidden = cont;
			var text = li.querySelector(".text");
			if (text) li.classList.toggle("emoji-only", EMOJI.test(text.textContent) && /\S/.test(text.textContent) && !/[0-9#*]/.test(text.textContent));
			prev = { dir: dir, t: t };
		}
	}

	function lastSeq(dir) {
		var lis = document.querySelectorAll("#messages li.message." + dir);
		var list = document.getElementById("messages");
		/* The page's newest seq of the side, when none of its messages
		 * are on the page (older ones beyond the first 100). */
		var n = list ? parseInt(list.getAttribute("data-" + dir + "-seq"), 10) || 0 : 0;
		for (var i = 0; i < lis.length; i++)
			n = Math.max(n, parseInt(lis[i].getAttribute("data-seq"), 10) || 0);
		return n;
	}

	function updateConversation(data) {
		var list = document.getElementById("messages");
		if (!list) return false;
		var added = false;
		for (var i = 0; i < data.messages.length; i++) {
			var m = data.messages[i];
			var li = document.getElementById("m-" + (m.dir === "out" ? "o" : "i") + "-" + m.seq);
			if (!li) {
				/* Our own message sent from this page: it replaces its
				 * pending item. */
				var pend = m.uid && list.querySelector('li.pending[data-uid="' + cssEscape(m.uid) + '"]');
				/* The live JSON may have it before the send's answer
				 * named its uid: the first pending one of that text. */
				if (!pend && m.dir === "out") {
					var waiting = list.querySelectorAll("li.pending:not([data-uid]):not(.failed)");
					for (var w = 0; !pend && w < waiting.length; w++) {
						var wt = waiting[w].querySelector(".text");
						if (wt && wt.textContent === m.text) pend = waiting[w];
					}
				}
				var item = messageItem(m);
				if (pend) { item.classList.remove("new"); list.replaceChild(item, pend); }
				else list.appendChild(item);
				added = true;
				continue;
			}
			/* The delivery state is the server's word (m.state). */
			if (m.dir === "out") setState(li, m.state);
		}
		var cs = document.getElementById("conv-state");
		if (cs && cs.textContent !== data.state) cs.textContent = data.state;
		if (added) layoutMessages();
		checkChanges(list, data.changes);
		return added;
	}

	/* --- messages changed in place (issue 15): reactions, edits, deletes.
	 * The JSON's "changes" counts them (store_conv.h); when it moves, the
	 * newest messages are read again and the ones shown are redrawn. */
	function checkChanges(list, changes) {
		if (typeof changes !== "number") return;
		var seen = parseInt(list.getAttribute("data-changes"), 10) || 0;
		if (changes === seen) return;
		list.setAttribute("data-changes", String(changes));
		getJSON(base + "/feed/api/with/" + conv).then(function (d) {
			for (var i = 0; d && i < d.messages.length; i++) {
				var m = d.messages[i];
				var li = document.getElementById("m-" + (m.dir === "out" ? "o" : "i") + "-" + m.seq);
				if (li) redraw(li, m);
			}
		}).catch(function () {});
	}
	function redraw(li, m) {
		var text = li.querySelector(".bubble .text"), meta = li.querySelector(".meta");
		if (text && m.deleted && !text.classList.contains("deleted")) {
			var gone = document.createElement("p");
			gone.className = "text deleted";
			gone.textContent = "Message deleted";
			text.parentNode.replaceChild(gone, text);
		} else if (text && m.edited && !m.deleted && text.textContent !== m.text) {
			var now = document.createElement("p");
			now.className = "text";
			linkify(now, m.text);
			text.parentNode.replaceChild(now, text);
		}
		if (meta && m.edited && !m.deleted && !meta.querySelector(".edited")) {
			var e = document.createElement("span");
			e.className = "edited";
			e.textContent = "edited";
			meta.insertBefore(document.createTextNode(" "), meta.querySelector(".state"));
			meta.insertBefore(e, meta.querySelector(".state"));
		}
		if (m.deleted) {
			var gone2 = li.querySelectorAll("details.more, details.react, a.reply");
			for (var g = 0; g < gone2.length; g++) gone2[g].parentNode.removeChild(gone2[g]);
		}
		reactions(li, m);
		pressed(li, m);
	}
	/* The picker's button of our current emoji removes it (page_react.c). */
	function pressed(li, m) {
		var bs = li.querySelectorAll("details.react button");
		for (var i = 0; i < bs.length; i++) {
			var b = bs[i], e = b.textContent, on = !!m.my_reaction && e === m.my_reaction;
			b.name = on ? "unreact" : "react";
			b.value = on ? m.uid : e;
			if (on) b.setAttribute("aria-pressed", "true"); else b.removeAttribute("aria-pressed");
			b.setAttribute("aria-label", (on ? "Remove your reaction " : "React ") + e);
		}
	}
	/* A form of ours on a message, with the compose form's hidden fields. */
	function actionForm(cls) {
		var f = document.createElement("form");
		f.className = cls; f.method = "post";
		f.action = compose ? compose.action : base + "/send";
		["to", "csrf", "next"].forEach(function (n) {
			var src = compose && compose.querySelector('input[name="' + n + '"]');
			if (!src) return;
			var h = f.appendChild(document.createElement("input"));
			h.type = "hidden"; h.name = n; h.value = src.value;
		});
		return f;
	}
	/* As page_react.c draws them. */
	function reactions(li, m) {
		var old = li.querySelector("ul.reactions");
		if (old) old.parentNode.removeChild(old);
		if (!m.my_reaction && !m.their_reaction) return;
		var h = document.getElementById("conv-h"), peer = h ? h.textContent : "them";
		var ul = document.createElement("ul");
		ul.className = "reactions";
		function chip(emoji, who, count, mine) {
			var c = document.createElement("li");
			c.className = "reaction";
			c.title = who;
			if (mine && compose && m.uid) {
				/* Ours: pressing it removes it, as on the server's page. */
				c.className = "reaction mine";
				var f = actionForm("unreact"), b = f.appendChild(document.createElement("button"));
				b.type = "submit"; b.name = "unreact"; b.value = m.uid;
				b.title = "Remove your reaction";
				c.appendChild(f);
				c = b;
			}
			var face = document.createElement("span");
			face.setAttribute("aria-hidden", "true");
			face.textContent = emoji;
			var n = document.createElement("span");
			n.className = "count";
			n.textContent = count;
			var vh = document.createElement("span");
			vh.className = "vh";
			vh.textContent = emoji + " from " + who + (mine && compose ? ": remove your reaction" : "");
			c.appendChild(face); c.appendChild(n); c.appendChild(vh);
			ul.appendChild(c.closest ? c.closest("li") || c : c);
		}
		if (m.my_reaction && m.my_reaction === m.their_reaction) chip(m.my_reaction, "You and " + peer, "2", true);
		else {
			if (m.my_reaction) chip(m.my_reaction, "You", "", true);
			if (m.their_reaction) chip(m.their_reaction, peer, "", false);
		}
		li.insertBefore(ul, li.querySelector("details.react"));
	}

	/* Our oldest message whose delivery may still move on: "fetched"
	 * is final, so only the others are asked for again. */
	function unsettledOut() {
		var outs = document.querySelectorAll("#messages li.message.out");
		var from = lastSeq("out") + 1;
		for (var i = 0; i < outs.length; i++) {
			var st = outs[i].querySelector(".state");
			var seq = parseInt(outs[i].getAttribute("data-seq"), 10) || 0;
			if (st && st.getAttribute("data-state") !== "fetched" && seq < from) from = seq;
		}
		return from;
	}

	function conversationURL() {
		/* Ask again for what may still change, so delivery states stay
		 * fresh (ETag makes an unchanged answer a 304). */
		var out = Math.max(0, unsettledOut() - 1), inn = lastSeq("in");
		return base + "/feed/api/with/" + conv + "?out=" + out + "&in=" + inn;
	}

	/* --- asking for changes: cheaper than a fixed 2-s poll ------------ */

	function schedule(ms) {
		if (timer) clearTimeout(timer);
		timer = setTimeout(poll, ms);
	}
	function later() { return document.hidden ? POLL_HIDDEN_MS : wait; }

	function poll() {
		if (busy) return;
		busy = true;
		var changed = false, p = Promise.resolve();
		/* A hidden tab asks only for the unread total (title, favicon):
		 * asking for the conversation would mark it read unseen. */
		if (page === "conversation" && conv && !document.hidden)
			p = getJSON(conversationURL()).then(function (d) {
				if (d) { changed = true; updateConversation(d); tellRead(); }
			});
		p.then(function () { return getJSON(base + "/feed/api/inbox"); })
			.then(function (d) { if (d) { changed = true; updateList(d); } })
			.catch(function () {})
			.then(function () {
				busy = false;
				/* Back off while nothing changes. */
				wait = changed ? POLL_MIN_MS : Math.min(POLL_MAX_MS, Math.round(wait * 1.5));
				schedule(later());
			});
	}
	function soon() { wait = POLL_MIN_MS; if (!busy) schedule(0); }

	/* Read on one tab, read on all: the others ask again at once. */
	function tellRead() {
		if (store && page === "conversation" && conv)
			try { store.setItem("ic:read", conv + " " + Date.now()); } catch (e) { /* full */ }
	}
	window.addEventListener("storage", function (ev) {
		if (ev.key === "ic:read" || ev.key === "ic:sent") { etags = {}; soon(); }
	});
	document.addEventListener("visibilitychange", function () { if (!document.hidden) soon(); else schedule(POLL_HIDDEN_MS); });
	window.addEventListener("focus", soon);

	/* --- forms sent with fetch ---------------------------------------- */

	/* The server's sentence of a refusal ("413 Payload Too Large: …"). */
	function refused(t, status) {
		return new Error(t.replace(/^\d+ [^:]*: /, "").trim() || ("HTTP " + status));
	}
	function post(form, body) {
		return fetch(form.action, {
			method: "POST", credentials: "same-origin", body: body,
			headers: { "Accept": "application/json" }
		}).then(function (r) {
			if (r.ok) return r.json();
			return r.text().then(function (t) { throw refused(t, r.status); });
		}, function () { throw new Error("the server cannot be reached."); });
	}
	/* post() for files: fetch() tells nothing of an upload's progress,
	 * XMLHttpRequest does (@p progress gets the bytes sent and the
	 * total).  The same answers: the JSON, or the server's sentence. */
	function upload(form, body, progress) {
		if (!window.XMLHttpRequest) return post(form, body);
		return new Promise(function (ok, fail) {
			var x = new XMLHttpRequest();
			x.open("POST", form.action);
			x.setRequestHeader("Accept", "application/json");
			x.upload.addEventListener("progress", function (e) {
				if (e.lengthComputable) progress(e.loaded, e.total);
			});
			x.addEventListener("load", function () {
				if (x.status < 200 || x.status > 299) return fail(refused(x.responseText || "", x.status));
				try { ok(JSON.parse(x.responseText)); } catch (e) { fail(e); }
			});
			var gone = function () { fail(new Error("the server cannot be reached.")); };
			x.addEventListener("error", gone);
			x.addEventListener("abort", gone);
			x.addEventListener("timeout", gone);
			x.send(body);
		});
	}
	/* The pending bubble's upload: a thin bar and the percent. */
	function uploadBar(li) {
		var old = li.querySelector(".upload");
		if (old) old.parentNode.removeChild(old);
		var p = document.createElement("p");
		p.className = "upload";
		var bar = p.appendChild(document.createElement("progress"));
		bar.max = 100; bar.value = 0;
		bar.setAttribute("aria-label", "Uploading");
		var pct = p.appendChild(document.createElement("span"));
		pct.className = "upload-pct"; pct.textContent = "0%";
		var meta = li.querySelector(".meta");
		meta.parentNode.insertBefore(p, meta);
		return {
			show: function (sent, total) {
				var n = total ? Math.min(100, Math.floor(sent * 100 / total)) : 0;
				bar.value = n; pct.textContent = n + "%";
			},
			done: function () { if (p.parentNode) p.parentNode.removeChild(p); }
		};
	}
	/* A size as the server writes one (media.c): "1.2 MB", "340 KB". */
	function humanSize(n) {
		if (n >= 1048576) return (n / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
		if (n >= 1024) return Math.ceil(n / 1024) + " KB";
		return n + " bytes";
	}

	var compose = document.getElementById("compose");
	var QUOTE_CHARS = 80;

	/* The first line of @p text, cut as the server cuts a quote. */
	function firstLine(text) {
		var line = (text || "").replace(/^\s+/, "").split(/[\r\n]/)[0].replace(/\s+/g, " ");
		var rest = (text || "").replace(/^\s+/, "").slice(line.length).trim();
		var chars = Array.from(line);
		if (chars.length > QUOTE_CHARS) { line = chars.slice(0, QUOTE_CHARS).join("").trim(); rest = "1"; }
		return line + (rest ? "\u2026" : "");
	}

	/* The quote bar above the compose box and its hidden field. */
	function setReply(li) {
		var field = document.getElementById("reply-to"), bar = document.getElementById("reply-bar");
		if (!field || !bar) return;
		if (!li) {
			field.value = "";
			bar.hidden = true;
			return;
		}
		field.value = li.getAttribute("data-uid");
		var who = li.querySelector(".author"), t = li.querySelector(".text");
		bar.querySelector(".quote-author").textContent = li.classList.contains("out") ? "You" : (who ? who.textContent : "");
		bar.querySelector(".quote-text").textContent = firstLine(t ? t.textContent : "");
		bar.hidden = false;
		var box = compose.querySelector("textarea");
		if (box) box.focus();
	}

	/* Scroll to the message a quote names and flash it; load older
	 * pages until it is there, or say it is not loaded. */
	function showOriginal(id, tries) {
		var li = document.getElementById(id);
		if (li) {
			li.scrollIntoView({ block: "center", behavior: "smooth" });
			li.classList.remove("flash");
			void li.offsetWidth; /* restart the animation */
			li.classList.add("flash");
			li.tabIndex = -1;
			li.focus({ preventScroll: true });
			setTimeout(function () { li.classList.remove("flash"); }, 2000);
			return;
		}
		var more = document.getElementById("older");
		if (more && tries < 20) {
			loadOlder().then(function (ok) {
				if (ok) showOriginal(id, tries + 1);
				else say("The original message is not loaded.");
			});
			return;
		}
		say("The original message is not loaded.");
	}

	function say(text) {
		var r = document.getElementById("compose-result");
		if (r) r.textContent = text;
	}

	var messagesList = document.getElementById("messages");
	if (messagesList) messagesList.addEventListener("click", function (ev) {
		var el = ev.target.closest ? ev.target.closest("a.reply, a.quote") : null;
		if (!el || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
		ev.preventDefault();
		if (el.classList.contains("reply")) setReply(el.closest("li"));
		else showOriginal(el.getAttribute("data-target"), 0);
	});
	/* Space presses a link that says it is a button. */
	if (messagesList) messagesList.addEventListener("keydown", function (ev) {
		if (ev.key === " " && ev.target.classList && ev.target.classList.contains("reply")) {
			ev.preventDefault();
			setReply(ev.target.closest("li"));
		}
	});
	/* A Reply per message would put a hundred stops between the page's
	 * top and the compose box: only the focused message's Reply is in the
	 * Tab order (the arrows move between messages, Tab goes to its
	 * Reply).  Without the script every Reply is a plain link. */
	function rovingReply(ev) {
		var li = ev.target.closest ? ev.target.closest("li.message") : null;
		var on = messagesList.querySelectorAll('a.reply[tabindex="0"]');
		for (var i = 0; i < on.length; i++) if (!li || !li.contains(on[i])) on[i].tabIndex = -1;
		var mine = li && li.querySelector("a.reply");
		if (mine) mine.tabIndex = 0;
	}
	if (messagesList) {
		var replies = messagesList.querySelectorAll("a.reply");
		for (var ri = 0; ri < replies.length; ri++) replies[ri].tabIndex = -1;
		messagesList.addEventListener("focusin", rovingReply);
	}
	/* Issue 15: each message's reaction picker (its <summary>) follows
	 * the same rule as its Reply. */
	function rovingReact(ev) {
		var li = ev.target.closest ? ev.target.closest("li.message") : null;
		var on = messagesList.querySelectorAll('details > summary[tabindex="0"]');
		for (var i = 0; i < on.length; i++) if (!li || !li.contains(on[i])) on[i].tabIndex = -1;
		/* The picker and, on ours, the menu (issue 15). */
		var mine = li ? li.querySelectorAll("details.react > summary, details.more > summary") : [];
		for (var j = 0; j < mine.length; j++) mine[j].tabIndex = 0;
	}
	if (messagesList) {
		var picks = messagesList.querySelectorAll("details.react > summary, details.more > summary");
		for (var pi = 0; pi < picks.length; pi++) picks[pi].tabIndex = -1;
		messagesList.addEventListener("focusin", rovingReact);
	}
	var cancel = document.getElementById("reply-cancel");
	if (cancel) cancel.addEventListener("click", function (ev) {
		ev.preventDefault();
		setReply(null);
		var box = compose && compose.querySelector("textarea");
		if (box) box.focus();
	});
	if (compose) compose.addEventListener("keydown", function (ev) {
		var bar = document.getElementById("reply-bar"), eb = document.getElementById("edit-bar");
		if (ev.key === "Escape" && eb && !eb.hidden) { ev.preventDefault(); setEdit(null); }
		else if (ev.key === "Escape" && bar && !bar.hidden) { ev.preventDefault(); setReply(null); }
	});

	/* --- Edit and Delete for everyone, and our reactions (issue 15) ---
	 * The menu's Edit puts the text into the compose box with the
	 * "Editing message" bar; Send then edits (the form's `edit`), Cancel
	 * or Esc goes back to writing a new message.  Without the script Edit
	 * opens the page with ?edit=UID, the box already editing. */
	function setEdit(li) {
		var field = document.getElementById("edit"), bar = document.getElementById("edit-bar");
		var box = compose && compose.querySelector("textarea");
		if (!field || !bar || !box) return;
		if (!li) {
			if (field.value) box.value = "";
			field.value = "";
			bar.hidden = true;
			box.dispatchEvent(new Event("input"));
			box.focus();
			return;
		}
		setReply(null);
		var t = li.querySelector(".bubble p.text");
		field.value = li.getAttribute("data-uid");
		box.value = t ? t.textContent : "";
		bar.hidden = false;
		var d = li.querySelector("details.more");
		if (d) d.open = false;
		box.focus();
		box.setSelectionRange(box.value.length, box.value.length);
	}
	var editCancel = document.getElementById("edit-cancel");
	if (editCancel) editCancel.addEventListener("click", function (ev) { ev.preventDefault(); setEdit(null); });
	if (messagesList) messagesList.addEventListener("click", function (ev) {
		var el = ev.target.closest ? ev.target.closest("details.more a.edit") : null;
		if (!el || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
		ev.preventDefault();
		setEdit(el.closest("li.message"));
	});
	/* The forms under messages (react, remove a reaction, delete) go with
	 * fetch; the open page then reads its messages again and redraws
	 * them (the JSON's "changes"). */
	if (messagesList) messagesList.addEventListener("submit", function (ev) {
		var form = ev.target, button = ev.submitter;
		if (!form.closest || !form.closest("li.message")) return;
		ev.preventDefault();
		var del = form.classList.contains("delete");
		if (del && !window.confirm("Delete this message for everyone?")) return;
		var body = new URLSearchParams(new FormData(form));
		if (button && button.name) body.set(button.name, button.value);
		var d = form.closest("details");
		if (d) d.open = false;
		post(form, body).then(function () {
			say("");
			etags = {};
			soon();
		}, function (e) { say((del ? "Not deleted: " : "Not changed: ") + e.message); });
	});
	if (messagesList) {
		/* The script's dialog confirms a delete: no checkbox needed. */
		var confirms = messagesList.querySelectorAll("form.delete label.confirm");
		for (var ci = 0; ci < confirms.length; ci++) confirms[ci].hidden = true;
		var boxes = messagesList.querySelectorAll("form.delete input[name=confirm]");
		for (var bi = 0; bi < boxes.length; bi++) boxes[bi].required = false;
	}
	if (compose) setUpCompose(compose);

	function setUpCompose(form) {
		var text = form.querySelector("textarea");
		var result = document.getElementById("compose-result");
		var list = document.getElementById("messages");
		var key = "ic:draft:" + base + ":" + conv;

		/* The draft of this conversation, on this browser only. */
		if (store && !text.value) text.value = store.getItem(key) || "";
		text.addEventListener("input", function () {
			if (!store) return;
			if (text.value) store.setItem(key, text.value); else store.removeItem(key);
		});

		/* Enter sends, Shift+Enter is a new line; a checkbox (remembered)
		 * gives Enter back to new lines, Ctrl/Cmd+Enter then sends. */
		var opt = document.createElement("label");
		opt.className = "options";
		var box = document.createElement("input");
		box.type = "checkbox"; box.id = "enter-sends";
		box.checked = !store || store.getItem("ic:enter-sends") !== "0";
		opt.appendChild(box);
		opt.appendChild(document.createTextNode(" Enter sends (Shift+Enter: new line)"));
		form.appendChild(opt);
		box.addEventListener("change", function () { if (store) store.setItem("ic:enter-sends", box.checked ? "1" : "0"); });
		text.addEventListener("keydown", function (ev) {
			if (ev.key !== "Enter" || ev.isComposing) return;
			if ((box.checked && !ev.shiftKey && !ev.altKey) || ev.ctrlKey || ev.metaKey) {
				ev.preventDefault();
				if (form.requestSubmit) form.requestSubmit();
				else form.dispatchEvent(new Event("submit", { cancelable: true }));
			}
		});

		/* The box grows with its text where CSS field-sizing is missing. */
		if (!(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"))) {
			var grow = function () { text.style.height = "auto"; text.style.height = Math.min(text.scrollHeight + 2, innerHeight * 0.4) + "px"; };
			text.addEventListener("input", grow);
			grow();
		}

		/* Issue 15: the files chosen with the 📎 show above the box
		 * before they go (a thumbnail for a picture, a chip with name and
		 * size for another file, each with its remove button); the 📎
		 * adds more.  Each is checked against the site's own caps (the
		 * form's data-max-*) when chosen and again at Send, so a file too
		 * large is refused here before any upload starts (send checks
		 * them again: this is a convenience). */
		var picker = form.querySelector("input[type=file]");
		var chosen = []; /* { file, url } */
		var caps = {
			file: parseInt(form.getAttribute("data-max-file"), 10) || 0,
			message: parseInt(form.getAttribute("data-max-message"), 10) || 0,
			files: parseInt(form.getAttribute("data-max-files"), 10) || 0
		};
		var strip = null;
		if (picker) {
			strip = document.createElement("ul");
			strip.id = "attached"; strip.className = "attached"; strip.hidden = true;
			strip.setAttribute("aria-label", "Files to send");
			form.insertBefore(strip, form.querySelector("label[for=text]") || text);
			picker.addEventListener("change", function () {
				say(addFiles(Array.prototype.slice.call(picker.files)));
				picker.value = ""; /* the list is ours now: the 📎 adds more */
				drawStrip(-1);
			});
			/* A picture pasted into the box, or files dropped on the
			 * form, are chosen as the 📎's are. */
			var take = function (ev, files) {
				if (!files || !files.length) return;
				ev.preventDefault();
				say(addFiles(Array.prototype.slice.call(files)));
				drawStrip(-1);
			};
			text.addEventListener("paste", function (ev) { take(ev, ev.clipboardData && ev.clipboardData.files); });
			form.addEventListener("dragover", function (ev) {
				if (ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types, "Files") >= 0) ev.preventDefault();
			});
			form.addEventListener("drop", function (ev) { take(ev, ev.dataTransfer && ev.dataTransfer.files); });
		}
		function say(t) { if (result) result.textContent = t; }
		function chosenBytes() {
			return chosen.reduce(function (n, e) { return n + e.file.size; }, 0);
		}
		/* "31 MB" and "10 MB"; exact bytes when both would read alike. */
		function sizes(a, b) {
			var x = humanSize(a), y = humanSize(b);
			if (x === y) { x = a.toLocaleString("en") + " bytes"; y = b.toLocaleString("en") + " bytes"; }
			return [x, y];
		}
		/* Why @p f cannot go beside @p n files of @p bytes, or "". */
		function refusal(f, n, bytes) {
			var s;
			if (f.size === 0) return f.name + " is empty: nothing to attach.";
			if (caps.files && n >= caps.files)
				return f.name + " not added: at most " + caps.files + " files in one message.";
			if (caps.file && f.size > caps.file) {
				s = sizes(f.size, caps.file);
				return f.name + " is " + s[0] + "; at most " + s[1] + " a file.";
			}
			if (caps.message && bytes + f.size > caps.message) {
				s = sizes(bytes + f.size, caps.message);
				return f.name + " not added: the files would be " + s[0] + " together; at most " + s[1] + " in one message.";
			}
			return "";
		}
		function addFiles(files) {
			var why = [], bytes = chosenBytes();
			files.forEach(function (f) {
				var same = chosen.some(function (e) {
					return e.file.name === f.name && e.file.size === f.size && e.file.lastModified === f.lastModified;
				});
				if (same) return;
				var no = refusal(f, chosen.length, bytes);
				if (no) { why.push(no); return; }
				chosen.push({ file: f, url: null });
				bytes += f.size;
			});
			return why.join(" ");
		}
		/* The caps again at Send: the first problem, or "". */
		function checkChosen() {
			for (var i = 0, bytes = 0; i < chosen.length; i++) {
				var no = refusal(chosen[i].file, i, bytes);
				if (no) return no;
				bytes += chosen[i].file.size;
			}
			return "";
		}
		function dropChosen(i) {
			if (chosen[i].url) URL.revokeObjectURL(chosen[i].url);
			chosen.splice(i, 1);
		}
		/* Draw the strip; focus the remove button of item @p focus. */
		function drawStrip(focus) {
			if (!strip) return;
			while (strip.firstChild) strip.removeChild(strip.firstChild);
			chosen.forEach(function (e, i) {
				var f = e.file, size = humanSize(f.size);
				var li = strip.appendChild(document.createElement("li"));
				li.title = f.name + " (" + size + ")";
				var photo = /^image\//.test(f.type) && window.URL && URL.createObjectURL;
				if (photo) {
					li.className = "pick pick-photo";
					if (!e.url) e.url = URL.createObjectURL(f);
					var img = li.appendChild(document.createElement("img"));
					img.alt = f.name; img.src = e.url;
					/* Not a picture this browser draws: the chip. */
					img.addEventListener("error", function () { img.hidden = true; li.className = "pick pick-file"; });
				} else li.className = "pick pick-file";
				var name = li.appendChild(document.createElement("span"));
				name.className = "pick-name"; name.textContent = f.name;
				li.appendChild(document.createTextNode(" "));
				var sz = li.appendChild(document.createElement("span"));
				sz.className = "pick-size"; sz.textContent = size;
				var x = li.appendChild(document.createElement("button"));
				x.type = "button"; x.className = "pick-remove";
				x.title = "Remove " + f.name;
				x.setAttribute("aria-label", "Remove " + f.name);
				x.appendChild(document.createElement("span")).setAttribute("aria-hidden", "true");
				x.firstChild.textContent = "\u2715";
				x.addEventListener("click", function () {
					dropChosen(i);
					say("");
					drawStrip(Math.min(i, chosen.length - 1));
					if (!chosen.length) text.focus();
				});
			});
			strip.hidden = !chosen.length;
			/* A message with files needs no text. */
			text.required = !chosen.length;
			/* After a remove: the next one's button, else the box. */
			var bs = strip.querySelectorAll(".pick-remove");
			if (focus >= 0 && bs[focus]) bs[focus].focus();
		}
		function clearChosen() {
			while (chosen.length) dropChosen(0);
			drawStrip(-1);
		}

		/* The pending bubble's files: chips with name and size. */
		function pendingFiles(files) {
			var box = document.createElement("div");
			box.className = "atts";
			files.forEach(function (f) {
				var el = box.appendChild(document.createElement("span"));
				el.className = "att-file";
				var n = el.appendChild(document.createElement("span"));
				n.className = "att-name"; n.textContent = f.name;
				el.appendChild(document.createTextNode(" "));
				var z = el.appendChild(document.createElement("span"));
				z.className = "att-size"; z.textContent = humanSize(f.size);
			});
			return box;
		}

		function sendText(value, pending, reply, files) {
			/* Issue 15: with files the form goes as multipart/form-data
			 * (by XMLHttpRequest, for its upload progress), else as
			 * before. */
			var many = files && files.length;
			var body = many ? new FormData(form) : new URLSearchParams(new FormData(form));
			body.delete("file");
			if (many) files.forEach(function (f) { body.append("file", f, f.name); });
			body.set("text", value);
			/* The reply chosen when it was sent, also for a Retry. */
			body.set("reply_to", reply ? reply.uid : "");
			if (!pending) {
				pending = document.createElement("li");
				pending.className = "pending out new";
				var meta = bubble(pending, "You", "out", value, null, reply ? quoteEl(reply.quote) : null);
				if (many) meta.parentNode.insertBefore(pendingFiles(files), meta);
				var t = document.createElement("time");
				var now = new Date();
				t.setAttribute("datetime", now.toISOString().replace(/\.\d+Z$/, "Z"));
				meta.appendChild(t);
				list.appendChild(pending);
				localTimes(pending);
				layoutMessages();
			}
			pending.classList.remove("failed");
			var r = pending.querySelector(".retry");
			if (r) r.parentNode.removeChild(r);
			setState(pending, "sending");
			var bar = many ? uploadBar(pending) : null;
			scrollToEnd();
			var sent = bar ? upload(form, body, bar.show) : post(form, body);
			return sent.then(function (d) {
				if (bar) bar.done();
				if (result) result.textContent = "";
				if (d && d.uid) pending.setAttribute("data-uid", d.uid);
				setState(pending, "stored");
				if (store) store.setItem("ic:sent", conv + " " + Date.now());
				etags = {};
				soon();
			}, function (e) {
				if (bar) bar.done();
				pending.classList.add("failed");
				setState(pending, "failed");
				if (result) result.textContent = "Not sent: " + e.message;
				/* The text is kept: back in the box if it is empty, and
				 * Retry sends it again. */
				if (!text.value) {
					text.value = value;
					if (store) store.setItem(key, value);
				}
				var retry = document.createElement("button");
				retry.type = "button"; retry.className = "retry";
				retry.textContent = "Retry";
				retry.addEventListener("click", function () {
					if (text.value === value) { text.value = ""; if (store) store.removeItem(key); }
					sendText(value, pending, reply, files);
				});
				pending.querySelector(".bubble").appendChild(retry);
			});
		}

		/* Send while editing: the edit goes, no new message is drawn. */
		function sendEdit(uid, value) {
			var body = new URLSearchParams();
			["to", "csrf", "next"].forEach(function (n) {
				var f = form.querySelector('input[name="' + n + '"]');
				if (f) body.set(n, f.value);
			});
			body.set("edit", uid);
			body.set("text", value);
			return post(form, body).then(function () {
				if (result) result.textContent = "";
				etags = {};
				soon();
			}, function (e) {
				if (result) result.textContent = "Not edited: " + e.message;
				if (!text.value) text.value = value;
			});
		}

		form.addEventListener("submit", function (ev) {
			ev.preventDefault();
			var value = text.value;
			var editing = document.getElementById("edit");
			if (!value.trim() && (!chosen.length || (editing && editing.value))) return;
			if (editing && editing.value) {
				var uid = editing.value;
				text.value = "";
				if (store) store.removeItem(key);
				editing.value = "";
				document.getElementById("edit-bar").hidden = true;
				text.dispatchEvent(new Event("input"));
				text.focus();
				sendEdit(uid, value);
				return;
			}
			/* Over a cap: nothing is sent, the text and files stay. */
			var no = checkChosen();
			if (no) { say(no); return; }
			var files = chosen.map(function (e) { return e.file; });
			clearChosen();
			text.value = "";
			if (store) store.removeItem(key);
			text.dispatchEvent(new Event("input"));
			text.focus();
			var field = document.getElementById("reply-to"), reply = null;
			if (field && field.value) {
				var bar = document.getElementById("reply-bar"), li = list.querySelector('li.message[data-uid="' + cssEscape(field.value) + '"]');
				reply = { uid: field.value, quote: { id: li ? li.id : "", author: bar.querySelector(".quote-author").textContent,
					text: bar.querySelector(".quote-text").textContent } };
			}
			setReply(null);
			sendText(value, null, reply, files);
		});
	}

	function scrollToEnd() {
		var s = document.getElementById("scroller");
		if (s) s.scrollTop = s.scrollHeight; /* column-reverse: 0 is the end */
		if (s && getComputedStyle(s).flexDirection === "column-reverse") s.scrollTop = 0;
	}

	/* The keyboard in the message list: Enter on the list focuses the
	 * newest message, Up/Down move between messages, Escape goes back to
	 * the list; a focused message shows its exact time (the style sheet),
	 * as hovering its time does (title). */
	var scroller = document.getElementById("scroller");
	if (scroller) scroller.addEventListener("keydown", function (ev) {
		var all = Array.prototype.slice.call(document.querySelectorAll("#messages li.message, #messages li.pending"));
		if (!all.length) return;
		var at = all.indexOf(ev.target), to = null;
		if (ev.target === scroller && ev.key === "Enter") to = all[all.length - 1];
		else if (at >= 0 && ev.key === "ArrowUp") to = all[Math.max(0, at - 1)];
		else if (at >= 0 && ev.key === "ArrowDown") to = all[Math.min(all.length - 1, at + 1)];
		else if (at >= 0 && ev.key === "Escape") to = scroller;
		if (!to) return;
		ev.preventDefault();
		if (to !== scroller) to.tabIndex = -1;
		to.focus();
	});

	/* "Older messages" without leaving the page; the column-reverse
	 * scroller keeps the reader's place when they are put above. */
	var older = document.getElementById("older");
	function loadOlder() {
		if (!older || !older.parentNode) return Promise.resolve(false);
		var url = base + "/feed/api/with/" + conv + "?out_before=" + older.getAttribute("data-out-before") +
			"&in_before=" + older.getAttribute("data-in-before");
		return getJSON(url).then(function (d) {
			if (!d) return false;
			var list = document.getElementById("messages"), first = list.querySelector("li.message, li.pending");
			for (var i = 0; i < d.messages.length; i++) {
				var m = d.messages[i];
				if (document.getElementById("m-" + (m.dir === "out" ? "o" : "i") + "-" + m.seq)) continue;
				var li = messageItem(m);
				li.classList.remove("new");
				list.insertBefore(li, first);
			}
			layoutMessages();
			if (d.older) {
				older.setAttribute("data-out-before", String(d.out_before));
				older.setAttribute("data-in-before", String(d.in_before));
				older.href = "?out_before=" + d.out_before + "&in_before=" + d.in_before;
			} else {
				older.parentNode.parentNode.removeChild(older.parentNode);
			}
			return true;
		}).catch(function () { return false; });
	}
	if (older) older.addEventListener("click", function (ev) {
		ev.preventDefault();
		loadOlder();
	});

	var invite = document.getElementById("invite");
	if (invite) {
		var inviteResult = document.getElementById("invite-result");
		invite.addEventListener("submit", function (ev) {
			ev.preventDefault();
			var button = invite.querySelector("button[type=submit]");
			if (button) button.disabled = true;
			if (inviteResult) inviteResult.textContent = "Sending…";
			post(invite, new URLSearchParams(new FormData(invite))).then(function () {
				if (inviteResult) inviteResult.textContent = "";
				location.reload();
			}, function (e) {
				if (inviteResult) inviteResult.textContent = e.message;
			}).then(function () { if (button) button.disabled = false; });
		});
	}

	localTimes();
	layoutMessages();
	setUpBell();
	/* The inbox's title has the total; elsewhere the list's counts. */
	var firstUnread = document.title.match(/^\((\d+)\) /), total = 0;
	if (firstUnread) total = parseInt(firstUnread[1], 10);
	else {
		var us = document.querySelectorAll("#sidebar .unread[data-count]");
		for (var u = 0; u < us.length; u++) total += parseInt(us[u].getAttribute("data-count"), 10) || 0;
	}
	setUnread(total);
	tellRead();
	document.addEventListener("keydown", function () { if (wait > POLL_MIN_MS) { wait = POLL_MIN_MS; schedule(wait); } });
	schedule(POLL_MIN_MS);
})();

/* The settings page's "Notify this browser" switch (issue 16,
 * Web Push; docs/configuration.md notify_webpush).  On: register the
 * service worker (B/public/sw.js), ask for permission, subscribe with the
 * site's VAPID key (GET B/auth/webpush) and give the subscription to the
 * site (POST B/auth/webpush/subscribe, with the form's CSRF field).  Off:
 * tell the site (…/unsubscribe), then drop the subscription.  The switch
 * shows what this browser's push manager says, not a guess. */
(function () {
	"use strict";
	var form = document.getElementById("webpush");
	var box = document.getElementById("webpush-on");
	var state = document.getElementById("webpush-state");
	if (!form || !box || !state) return;
	var base = form.getAttribute("data-base");
	function say(t) { state.textContent = t; }
	if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.fetch ||
	    !("Notification" in window)) {
		say("This browser cannot receive Web Push notifications.");
		return;
	}

	function call(path, fields) {
		var body = new URLSearchParams(new FormData(form));
		for (var k in fields) body.set(k, fields[k]);
		return fetch(base + path, {
			method: fields ? "POST" : "GET", credentials: "same-origin",
			headers: { "Accept": "application/json" }, body: fields ? body : undefined
		}).then(function (r) {
			if (r.ok) return r.json();
			return r.text().then(function (t) {
				throw new Error(t.replace(/^\d+ [^:]*: /, "").trim() || ("HTTP " + r.status));
			});
		});
	}
	/* applicationServerKey wants the key's bytes. */
	function bytes(b64url) {
		var s = atob(b64url.replace(/-/g, "+").replace(/_/g, "/"));
		var out = new Uint8Array(s.length);
		for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
		return out;
	}
	function show(sub) {
		box.checked = !!sub;
		box.disabled = false;
		say(sub ? "On: this device gets a notification when a message arrives."
			: Notification.permission === "denied"
				? "Notifications are blocked for this site in your browser's settings."
				: "Off.");
	}
	/* subscribe() needs an active worker; a new one is still installing.
	 * (Its scope is B/public/: it needs to control no page to get pushes,
	 * so navigator.serviceWorker.ready, which waits for one that controls
	 * this page, is not what to wait for.) */
	function active(r) {
		var w = r.installing || r.waiting;
		if (r.active || !w) return r;
		return new Promise(function (ok) {
			w.addEventListener("statechange", function () { if (w.state === "activated") ok(r); });
		});
	}
	var reg = navigator.serviceWorker.register(base + "/public/sw.js").then(active);
	function turnOn(r) {
		return Notification.requestPermission().then(function (p) {
			if (p !== "granted") throw new Error("notifications were not allowed.");
			return call("/auth/webpush");
		}).then(function (k) {
			return r.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(k.key) });
		}).then(function (sub) {
			var j = sub.toJSON();
			return call("/auth/webpush/subscribe",
				{ endpoint: j.endpoint, p256dh: j.keys.p256dh, auth: j.keys.auth })
				.then(function () { return sub; });
		});
	}
	function turnOff(r) {
		return r.pushManager.getSubscription().then(function (sub) {
			if (!sub) return null;
			return call("/auth/webpush/unsubscribe", { endpoint: sub.endpoint })
				.then(function () { return sub.unsubscribe(); }).then(function () { return null; });
		});
	}
	reg.then(function (r) { return r.pushManager.getSubscription(); })
		.then(show, function (e) { say("The service worker did not start: " + e.message); });
	box.addEventListener("change", function () {
		var on = box.checked;
		box.disabled = true;
		say(on ? "Turning on…" : "Turning off…");
		reg.then(on ? turnOn : turnOff).then(show, function (e) {
			box.checked = !on;
			box.disabled = false;
			form.setAttribute("data-error", e.message);
			say("Not done: " + e.message);
		});
	});
})();
