#!/bin/sh
# feed_parsers_test.sh - every feed page and stub we publish is clean under
# tidy-html5's error report and is read as intended by two independent
# microformats2 parsers, Debian's python3-mf2py and the npm
# microformats-parser (STANDARDS.md §8 MP-1..MP-7, WS-P-2/3, WS-P-7, TE-8;
# STYLE.md "Tests", as cgit's t0010-validate-html.sh).  TAP output.
#
# tests/tools/render_sample writes a three-entry page (hostile, quoted,
# multi-line and non-ASCII text), an empty page and the stub, each with a
# JSON file of what it should parse to; each HTML file then goes through
# tests/tidy-check, tests/tools/mf2py_check.py and tests/js/mf2-check.mjs.
# A missing parser is a failure, not a skip: scripts/test installs them
# (apt-get install python3-mf2py nodejs npm; npm ci --prefix tests/js).
srcdir="${IC_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}"
builddir="${IC_TOP_BUILDDIR:-.}"
render="$builddir/tests/tools/render_sample"
tidy="$builddir/tests/tidy-check"
python=/usr/bin/python3
mf2py_check="$srcdir/tests/tools/mf2py_check.py"
js_check="$srcdir/tests/js/mf2-check.mjs"
files="page empty stub"
n=0
failed=0

out=$(mktemp -d "${TMPDIR:-/tmp}/ic-feed-parsers.XXXXXX") || exit 1

echo "1..10"

# result NAME STATUS LOGFILE [DIRECTIVE]: one TAP line, the log as comments.
result() {
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n - $1"
	else
		failed=1
		echo "not ok $n - $1${4:+ # $4}"
		[ -s "$3" ] && sed 's/^/# /' "$3"
	fi
	return 0
}

have_mf2py=yes
"$python" -c 'import mf2py' 2>/dev/null || have_mf2py=no
# node_modules is never distributed: in a `make distcheck` tree, look in
# the source trees above it (scripts/test builds in build/default), unless
# IC_NODE_MODULES names the directory.
find_node_modules() {
	[ -n "$IC_NODE_MODULES" ] && { echo "$IC_NODE_MODULES"; return; }
	dir=$(cd "$srcdir" && pwd)
	while [ -n "$dir" ]; do
		if [ -d "$dir/tests/js/node_modules/microformats-parser" ]; then
			echo "$dir/tests/js/node_modules"
			return
		fi
		dir=${dir%/*}
	done
}
IC_NODE_MODULES=$(find_node_modules)
export IC_NODE_MODULES
have_js=yes
command -v node >/dev/null 2>&1 &&
	[ -d "$IC_NODE_MODULES/microformats-parser" ] || have_js=no

"$render" "$out" >"$out/render.log" 2>&1
rendered=$?
result "render_sample writes a page, an empty page and a stub" \
	"$rendered" "$out/render.log"

for f in $files; do
	html="$out/$f.html"
	want="$out/$f.json"
	log="$out/$f.log"
	if [ "$rendered" -ne 0 ]; then
		for check in tidy mf2py microformats-parser; do
			result "$f.html: $check" 1 /dev/null "not rendered"
		done
		continue
	fi

	"$tidy" "$html" >"$log" 2>&1
	result "$f.html is clean under tidy (MP-7)" $? "$log"

	if [ "$have_mf2py" = yes ]; then
		"$python" "$mf2py_check" "$html" "$want" >"$log" 2>&1
		result "$f.html parses as intended under mf2py (MP-1..MP-6)" \
			$? "$log"
	else
		result "$f.html parses as intended under mf2py" 1 /dev/null \
			"missing: apt-get install python3-mf2py"
	fi

	if [ "$have_js" = yes ]; then
		node "$js_check" "$html" "$want" >"$log" 2>&1
		result "$f.html parses as intended under microformats-parser \
(MP-1..MP-6)" $? "$log"
	else
		result "$f.html parses as intended under microformats-parser" \
			1 /dev/null "missing: run npm ci --prefix tests/js"
	fi
done

if [ "$failed" -eq 0 ]; then
	rm -rf "$out"
else
	echo "# rendered files kept in $out"
fi
exit 0
