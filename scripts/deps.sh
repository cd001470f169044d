# scripts/deps.sh - the Debian packages IndieChat needs, installed when
# missing.  Sourced by scripts/test and scripts/demo (bash).
#
#   ic_deps build       build it: autotools, pkg-config, the libraries' -dev packages
#   ic_deps run         build + what runs it locally: apache2, python3
#   ic_deps test        run + the tests: cmocka, clang with its sanitizer/fuzzer
#                       runtime, mf2py, Node.js for the second mf2 parser,
#                       suEXEC (its docroot /var/www compiled in) for test_install
#
# Returns non-zero (after saying why on stderr) when packages are missing
# and cannot be installed (not root, or apt-get failed).  IC_DEPS_WHO names
# the caller in messages.

IC_DEPS_BUILD=(autoconf automake pkg-config make gcc
	libcurl4-openssl-dev libcjson-dev libtidy-dev libgumbo-dev liblmdb-dev
	libssl-dev libcrypt-dev libmd-dev libfcgi-dev)
IC_DEPS_RUN=(apache2 python3)
# faketime: a clock step forward past a lease (test_notify_crash), not a wait.
IC_DEPS_TEST=(clang clang-format libclang-rt-14-dev libcmocka-dev python3-mf2py apache2-suexec-pristine
	libapache2-mod-fcgid python3-cryptography faketime)

ic_deps() { # build|run|test
	local who=${IC_DEPS_WHO:-scripts/deps.sh} packages missing p
	packages=("${IC_DEPS_BUILD[@]}")
	case $1 in
	build) ;;
	run) packages+=("${IC_DEPS_RUN[@]}") ;;
	test)
		packages+=("${IC_DEPS_RUN[@]}" "${IC_DEPS_TEST[@]}")
		# Node.js runs the second, independent mf2 parser (npm microformats-parser).
		command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
		;;
	*) echo "ic_deps: build, run or test, not '$1'" >&2; return 2 ;;
	esac
	missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
			|| missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	printf '\n=== installing: %s\n' "${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "$who: missing packages and not root: apt-get install ${missing[*]}" >&2
		return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null ||
		{ echo "$who: apt-get install failed" >&2; return 1; }
}
