#!/bin/sh
# feed_links_test.sh - the hot read path loads no network or HTML-parsing
# library (DESIGN.md "Rule for the hot read path"): exec of a curl-linked
# binary costs ~5 ms, a plain one ~0.7 ms.  And no program maps libcurl
# or libcrypto at exec: they are loaded by the process that makes a
# request or sends a Web Push (core/curl_lazy.h, core/ossl_lazy.h; issue
# 13).  TAP output.
bin="${IC_TOP_BUILDDIR:-.}/cgi-bin"
feed="$bin/feed"
echo "1..3"
if [ ! -x "$feed" ]; then
	echo "not ok 1 - feed is built ($feed missing)"
	echo "not ok 2 - feed loads no libcurl, gumbo or tidy # skipped"
	echo "not ok 3 - no program maps libcurl or libcrypto at exec # skipped"
	exit 0
fi
echo "ok 1 - feed is built"
libs=$(ldd "$feed" 2>&1)
if echo "$libs" | grep -Eq 'libcurl|libgumbo|libtidy'; then
	echo "not ok 2 - feed loads no libcurl, gumbo or tidy"
	echo "$libs" | sed 's/^/# /'
else
	echo "ok 2 - feed loads no libcurl, gumbo or tidy"
fi
bad=
for p in auth feed listener send ticket; do
	if ldd "$bin/$p" 2>&1 | grep -Eq 'libcurl|libcrypto|libssl'; then
		bad="$bad $p"
	fi
done
if [ -n "$bad" ]; then
	echo "not ok 3 - no program maps libcurl or libcrypto at exec:$bad do"
else
	echo "ok 3 - no program maps libcurl or libcrypto at exec"
fi
