# Sourced by package-test and lifecycle-test (the package's life on this
# machine), and by unit-test for wait_for: the checks' bookkeeping, the
# waits, and the steps both whole-package tests take alike.  Each script
# sets its own shell options; nothing here runs when sourced.

passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
bad() { echo "FAILED: $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; }

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# (0) or SECONDS have passed (1, after one last try).  The one way these
# tests wait for something to happen, never a fixed sleep.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || { "$@"; return; }
		sleep 0.1
	done
}

has_btf() { xz -dcf "$1" >/tmp/package-ko && readelf -S -W /tmp/package-ko | grep -q ' \.BTF '; }
apt_get() { apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }

require_root() {
	[ "$(id -u)" = 0 ] || { echo "package-test: needs root (it installs the package)" >&2; exit 77; }
}

# The test needs the package's whole life: an installed one (scripts/demo
# leaves it installed) is purged first (reinstall=1) and put back at the
# end by reinstall_if_purged.
reinstall=0
purge_installed_first() {
	if dpkg -s bpf-testmod-dkms 2>/dev/null | grep -q '^Status: install ok installed'; then
		echo "package-test: purging the installed bpf-testmod-dkms first; it is reinstalled at the end"
		structops-load --detach >/dev/null 2>&1 || true
		apt_get purge bpf-testmod-dkms
		reinstall=1
	fi
}
reinstall_if_purged() {
	if [ "$reinstall" = 1 ]; then
		apt_get install ./build-deb/bpf-testmod-dkms.deb >/dev/null &&
			echo "package-test: reinstalled bpf-testmod-dkms"
	fi
}

# Everything a package may leave behind, for the before/after comparison
# ($top: the tree under test, left out).
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
		-o -path /tmp -o -path /var/tmp -o -path /var/cache -o -path /var/log \
		-o -path /var/lib/apt -o -path /var/lib/dpkg -o -path /root \
		-o -path "$top" -o -path /work \) -prune -o -print 2>/dev/null |
		# dkms's own signing key, made on its first build, is dkms's to keep;
		# autopkgtest's Python bytecode caches, made by its first run, are its.
		grep -v -e '^/usr/lib/modules/[^/]*/build$' -e '^/usr/share/autopkgtest/.*/__pycache__\(/\|$\)' |
		grep -v -x -e /var/lib/dkms/mok.key -e /var/lib/dkms/mok.pub | sort
}

# check_dkms_built KERNELS INSTALL_LOG: DKMS built the module with BTF for
# every kernel >= 6.9 with headers and skipped older ones, saying why in
# INSTALL_LOG (apt's output); sets old_kernels and new_kernels.
check_dkms_built() {
	local kver ko
	old_kernels=() new_kernels=()
	for kver in $1; do
		[ -e "/lib/modules/$kver/build/Makefile" ] || continue
		# Debian's 6.12 kernels compress modules: DKMS installs .ko.xz.
		ko=$(ls "/lib/modules/$kver/updates/dkms/bpf_testmod.ko"* 2>/dev/null | sed -n 1p || true)
		case $kver in
		[0-5].*|6.[0-8].*)
			check "DKMS skipped $kver (too old)" test -z "$ko"
			check "the install said why $kver was skipped" \
				grep -q "^bpf-testmod: skipping kernel $kver: Linux .* is older than 6.9" "$2"
			old_kernels+=("$kver")
			;;
		*)
			check "DKMS built bpf_testmod for $kver" test -n "$ko"
			check "$ko has .BTF" has_btf "$ko"
			new_kernels+=("$kver")
			;;
		esac
	done
	dkms status bpf-testmod
}

# check_dkms_autoinstall MODULE_VERSION: "dkms autoinstall", as the kernel
# packages' hooks run it (dkms.conf has AUTOINSTALL=yes): a kernel too old
# (old_kernels) is skipped with one line of reason and exit 0, also when
# its headers are reinstalled; the newest of new_kernels gets the module
# (bpf-testmod/MODULE_VERSION, removed first) back from dkms's own hook.
check_dkms_autoinstall() {
	local kver rc n ko
	for kver in "${old_kernels[@]}"; do
		rc=0
		dkms autoinstall -k "$kver" >/tmp/package-auto.out 2>/tmp/package-auto.err || rc=$?
		cat /tmp/package-auto.out /tmp/package-auto.err
		check "dkms autoinstall -k $kver exits 0 (exit $rc)" test "$rc" = 0
		n=$(grep -c "^bpf-testmod: skipping kernel $kver: " /tmp/package-auto.err || true)
		check "dkms autoinstall -k $kver gave the reason once (lines: $n)" test "$n" = 1
		if apt_get install --reinstall "linux-headers-$kver" >/tmp/package-headers.txt 2>&1; then
			ok "reinstalling linux-headers-$kver succeeds (dkms's kernel hook ran)"
		else
			cat /tmp/package-headers.txt
			bad "reinstalling linux-headers-$kver failed"
		fi
		check "its kernel hook said why $kver is skipped" \
			grep -q "^bpf-testmod: skipping kernel $kver: " /tmp/package-headers.txt
	done
	[ ${#new_kernels[@]} -gt 0 ] || return 0
	kver=${new_kernels[-1]}
	dkms remove "bpf-testmod/$1" -k "$kver" >/dev/null
	apt_get install --reinstall "linux-headers-$kver" >/tmp/package-headers.txt 2>&1 ||
		cat /tmp/package-headers.txt
	ko=$(ls "/lib/modules/$kver/updates/dkms/bpf_testmod.ko"* 2>/dev/null | sed -n 1p || true)
	check "reinstalling linux-headers-$kver rebuilt the module through dkms autoinstall" \
		test -n "$ko"
	[ -z "$ko" ] || check "$ko has .BTF" has_btf "$ko"
}
