/* indiechat.js - live updates and sending without a reload.
 *
 * The pages work without it: every form posts and the server answers
 * 303 back to the page.  With it, the inbox and the open conversation
 * poll the session-protected JSON under B/feed/api/ every POLL_MS (with
 * ETag, so an unchanged answer is a 304 without a body), new messages
 * appear, unread counts and the title's "(N) " follow, and the compose
 * and invite forms are sent with fetch().  Plain ES5-level DOM code, no
 * framework, nothing inline (the pages' Content-Security-Policy allows no
 * inline script).  Received HTML in the JSON was sanitized with the
 * server's allow-list before it was stored (MC-3).
 */
(function () {
	"use strict";
	var POLL_MS = 2000;
	var cfg = document.getElementById("ic");
	if (!cfg || !window.fetch || !window.URLSearchParams) return;
	var base = cfg.getAttribute("data-base");
	var page = cfg.getAttribute("data-page");
	var conv = cfg.getAttribute("data-conv");
	var etags = {}, busy = false;
	var baseTitle = document.title.replace(/^\(\d+\) /, "");

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

	function setTitle(unread) {
		document.title = (unread > 0 ? "(" + unread + ") " : "") + baseTitle;
	}

	function localTimes(root) {
		var ts = (root || document).querySelectorAll("time[datetime]");
		for (var i = 0; i < ts.length; i++) {
			var d = new Date(ts[i].getAttribute("datetime"));
			if (!isNaN(d.getTime())) ts[i].textContent = d.toLocaleString();
		}
	}

	/* --- inbox -------------------------------------------------------- */

	function updateInbox(data) {
		setTitle(data.unread);
		if (page !== "inbox") return;
		var known = 0;
		for (var i = 0; i < data.conversations.length; i++) {
			var c = data.conversations[i];
			var sel = c.state === "request"
				? 'li.request[data-peer="' + cssEscape(c.peer) + '"]'
				: 'li.conversation[data-conv="' + c.id + '"]';
			var li = document.querySelector(sel);
			if (c.closed) continue;
			if (!li) { known = -1; break; }
			known++;
			var u = li.querySelector(".unread");
			if (u) {
				u.textContent = String(c.unread);
				u.setAttribute("data-count", String(c.unread));
			}
		}
		/* A new conversation or request: the server renders it. */
		var shown = document.querySelectorAll("li.request, li.conversation").length;
		if ((known < 0 || known !== shown) && !typing()) location.reload();
	}

	function cssEscape(s) {
		return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&");
	}

	function typing() {
		var a = document.activeElement;
		return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA") && a.value;
	}

	/* --- conversation ------------------------------------------------- */

	function lastSeq(dir) {
		var lis = document.querySelectorAll("#messages li.message." + dir);
		var n = 0;
		for (var i = 0; i < lis.length; i++)
			n = Math.max(n, parseInt(lis[i].getAttribute("data-seq"), 10) || 0);
		return n;
	}

	function messageItem(m) {
		var li = document.createElement("li");
		li.className = "message " + m.dir;
		li.setAttribute("data-seq", String(m.seq));
		li.id = "m-" + (m.dir === "out" ? "o" : "i") + "-" + m.seq;
		if (m.photo && /^https?:/.test(m.photo)) {
			var img = document.createElement("img");
			img.className = "photo"; img.src = m.photo; img.alt = "";
			img.width = 32; img.height = 32;
			li.appendChild(img);
		}
		var who = document.createElement("span");
		who.className = "author"; who.textContent = m.author;
		li.appendChild(who);
		li.appendChild(document.createTextNode(" "));
		var t = document.createElement("time");
		t.setAttribute("datetime", m.published); t.textContent = m.time;
		li.appendChild(t);
		var body;
		if (m.html) {
			body = document.createElement("div");
			body.innerHTML = m.html; /* sanitized by the server (MC-3) */
		} else {
			body = document.createElement("p");
			body.textContent = m.text;
		}
		body.className = "text";
		li.appendChild(body);
		if (m.dir === "out") {
			var s = document.createElement("span");
			s.className = "state"; s.textContent = m.state;
			li.appendChild(document.createTextNode(" "));
			li.appendChild(s);
		}
		localTimes(li);
		return li;
	}

	function updateConversation(data) {
		var list = document.getElementById("messages");
		if (!list) return;
		for (var i = 0; i < data.messages.length; i++) {
			var m = data.messages[i];
			var li = document.getElementById("m-" + (m.dir === "out" ? "o" : "i") + "-" + m.seq);
			if (!li) { list.appendChild(messageItem(m)); continue; }
			/* The delivery state is the server's word (m.state). */
			var st = m.dir === "out" ? li.querySelector(".state") : null;
			if (st && st.textContent !== m.state) st.textContent = m.state;
		}
		var cs = document.getElementById("conv-state");
		if (cs && cs.textContent !== data.state) cs.textContent = data.state;
	}

	/* Our oldest message whose delivery may still move on: "fetched"
	 * is final, so only the others are asked for again. */
	function unsettledOut() {
		var outs = document.querySelectorAll("#messages li.message.out");
		var from = lastSeq("out") + 1;
		for (var i = 0; i < outs.length; i++) {
			var st = outs[i].querySelector(".state");
			var seq = parseInt(outs[i].getAttribute("data-seq"), 10) || 0;
			if (st && st.textContent !== "fetched" && seq < from) from = seq;
		}
		return from;
	}

	function conversationURL() {
		/* Ask again for what may still change, so delivery states stay
		 * fresh (ETag makes an unchanged answer a 304). */
		var out = Math.max(0, unsettledOut() - 1), inn = lastSeq("in");
		return base + "/feed/api/with/" + conv + "?out=" + out + "&in=" + inn;
	}

	/* --- polling ------------------------------------------------------ */

	function poll() {
		if (busy || document.hidden) return;
		busy = true;
		var p = Promise.resolve();
		if (page === "conversation" && conv)
			p = getJSON(conversationURL()).then(function (d) { if (d) updateConversation(d); });
		p.then(function () { return getJSON(base + "/feed/api/inbox"); })
			.then(function (d) { if (d) updateInbox(d); })
			.catch(function () {})
			.then(function () { busy = false; });
	}

	/* --- forms sent with fetch ---------------------------------------- */

	function sendForm(form, result, onDone) {
		form.addEventListener("submit", function (ev) {
			ev.preventDefault();
			var body = new URLSearchParams(new FormData(form));
			var button = form.querySelector("button[type=submit]");
			if (button) button.disabled = true;
			if (result) result.textContent = "Sending…";
			fetch(form.action, {
				method: "POST", credentials: "same-origin", body: body,
				headers: { "Accept": "application/json" }
			}).then(function (r) {
				if (r.ok) return r.json().then(function (d) {
					if (result) result.textContent = "";
					onDone(d);
				});
				return r.text().then(function (t) {
					if (result) result.textContent = t.replace(/^\d+ [^:]*: /, "");
				});
			}).catch(function () {
				if (result) result.textContent = "Not sent: the server cannot be reached.";
			}).then(function () { if (button) button.disabled = false; });
		});
	}

	var compose = document.getElementById("compose");
	if (compose) {
		var text = compose.querySelector("textarea");
		sendForm(compose, document.getElementById("compose-result"), function () {
			text.value = "";
			text.focus();
			etags = {};
			busy = false;
			poll();
		});
		/* Ctrl+Enter (or Cmd+Enter) sends from the keyboard. */
		text.addEventListener("keydown", function (ev) {
			if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
				ev.preventDefault();
				if (compose.requestSubmit) compose.requestSubmit();
				else compose.dispatchEvent(new Event("submit", { cancelable: true }));
			}
		});
	}
	var invite = document.getElementById("invite");
	if (invite) {
		sendForm(invite, document.getElementById("invite-result"), function () {
			location.reload();
		});
	}

	localTimes();
	setInterval(poll, POLL_MS);
	document.addEventListener("visibilitychange", poll);
})();
