#!/bin/sh
# feed_links_test.sh - the hot read path loads no network or HTML-parsing
# library (DESIGN.md "Rule for the hot read path"): exec of a curl-linked
# binary costs ~5 ms, a plain one ~0.7 ms.  TAP output.
feed="${IC_TOP_BUILDDIR:-.}/cgi-bin/feed"
echo "1..2"
if [ ! -x "$feed" ]; then
	echo "not ok 1 - feed is built ($feed missing)"
	echo "not ok 2 - feed loads no libcurl, gumbo or tidy # skipped"
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
