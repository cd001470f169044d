/* sw.js - IndieChat's service worker: Web Push (issue 16).
 *
 * The site's notification job encrypts one JSON payload per device
 * (RFC 8291; lib/notify/webpush_send.c): {title, body, url, tag}.  The
 * browser decrypts it and hands it here; we show it, with the same tag
 * as the open page's own notifications ("ic:" + the conversation id), so
 * one conversation shows one notification, the newest.  A click focuses
 * a tab already on the conversation's page, else opens it (sign-in
 * first, when the session is gone: the page itself redirects).
 *
 * Registered by indiechat.js from the settings page's switch.  No fetch
 * handler: the pages are never cached (they say no-store), and nothing
 * here reads or keeps messages.
 */
"use strict";

/* Only our own pages: the payload is ours, but a link is checked anyway. */
function ours(url) {
	try {
		var u = new URL(url, self.location.href);
		return u.origin === self.location.origin ? u.href : null;
	} catch (e) {
		return null;
	}
}

self.addEventListener("push", function (event) {
	var d = {};
	try {
		d = event.data ? event.data.json() : {};
	} catch (e) {
		d = {};
	}
	var opts = {
		body: d.body || "New message",
		icon: "icon-192.png", /* beside this script, in B/public/ */
		data: { url: ours(d.url || "") }
	};
	if (d.tag) {
		opts.tag = "ic:" + d.tag;
		opts.renotify = true;
	}
	event.waitUntil(self.registration.showNotification(d.title || "IndieChat", opts));
});

self.addEventListener("notificationclick", function (event) {
	var url = event.notification.data && event.notification.data.url;
	event.notification.close();
	if (!url) return;
	event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
		.then(function (tabs) {
			for (var i = 0; i < tabs.length; i++)
				if (tabs[i].url === url && "focus" in tabs[i]) return tabs[i].focus();
			return self.clients.openWindow(url);
		}));
});
