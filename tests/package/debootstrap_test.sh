#!/usr/bin/env bash
# The Debian package in a fresh Debian 12: builds build/<preset>/package/domus_<version>_amd64.deb
# (cpack), installs it with apt into a debootstrap minbase root, checks the files, the `domus`
# group, the man pages and the unit (`systemd-analyze verify`), then starts domusd there the
# way the unit's ExecStart does (a chroot cannot run systemd as PID 1: the unit's runtime and
# state directories are made as systemd would make them), and through `domus` inside the root
# creates a domain that ends by itself and one it destroys; a member of the `domus` group may
# use the socket, another user may not; and `domus run --exec` runs a static program there.
#
#   debootstrap_test.sh SOURCE_DIR BUILD_DIR
#
# The minbase root (plus systemd, man-db, nftables) is made once into
# BUILD_DIR/package/debootstrap-<key>/ (key: suite, variant, packages, mirror: about 3 minutes
# and 250 MB) and reused read-only through an overlay mount, so a warm run takes seconds.
# Mirror: $DOMUS_DEBIAN_MIRROR, else the host's bookworm source, else deb.debian.org.
# Needs root, debootstrap, cpack and /dev/kvm (exit 77, skipped, without root or /dev/kvm).
# Every mount is undone on the way out, failure included.
set -euo pipefail

src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
suite=bookworm
include=systemd,man-db,nftables

say() { echo "debootstrap_test: $*"; }
die() { say "FAILED: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || { say "needs root; skipped"; exit 77; }
[[ -c /dev/kvm ]] || { say "/dev/kvm is not available; skipped"; exit 77; }
for tool in debootstrap cpack chroot; do
    command -v "$tool" >/dev/null || die "missing $tool: run scripts/bootstrap"
done

mirror=${DOMUS_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        mirror=$(awk -v s="$suite" '/^URIs:/ {u=$2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == s && u != "") {print u; exit}}' "$f")
        [[ -n $mirror ]] && break
    done
fi
if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
    mirror=$(awk -v s="$suite" '$1 == "deb" && $3 == s {print $2; exit}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

pkgdir="$build/package"
mkdir -p "$pkgdir"

# The package, from the binaries already built in this tree.
say "cpack -> $pkgdir"
rm -f "$pkgdir"/domus_*.deb
(cd "$build" && cpack -G DEB -B "$pkgdir" >"$pkgdir/cpack.log" 2>&1) ||
    { cat "$pkgdir/cpack.log" >&2; die "cpack failed"; }
deb=$(ls "$pkgdir"/domus_*_amd64.deb)
say "package $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"

# The cached minbase root, made under a temporary name and renamed when complete.
key=$(printf '%s\n' "$suite" minbase "$include" "$mirror" | sha256sum | cut -c1-16)
cache="$pkgdir/debootstrap-$key"
exec 9>"$pkgdir/debootstrap.lock"
flock 9
if [[ ! -f $cache/.complete ]]; then
    say "debootstrap --variant=minbase --include=$include $suite from $mirror (once; ~3 min)"
    rm -rf "$cache.tmp" "$cache"
    debootstrap --variant=minbase --include="$include" "$suite" "$cache.tmp/root" "$mirror" \
        >"$pkgdir/debootstrap.log" 2>&1 || { tail -20 "$pkgdir/debootstrap.log" >&2; die "debootstrap failed"; }
    touch "$cache.tmp/.complete"
    mv "$cache.tmp" "$cache"
fi

work=$(mktemp -d "$pkgdir/run.XXXXXX")
root="$work/root"
mkdir -p "$root" "$work/upper" "$work/work"
mounted=()
domusd_pid=
cleanup() {
    local rc=$?
    [[ -n $domusd_pid ]] && kill "$domusd_pid" 2>/dev/null && sleep 0.3
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -R "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
    done
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if mount -t overlay overlay -o "lowerdir=$cache/root,upperdir=$work/upper,workdir=$work/work" \
    "$root" 2>/dev/null; then
    mounted+=("$root")
else
    say "no overlay mount here: copying the root"
    cp -a "$cache/root/." "$root/"
fi
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev" && mounted+=("$root/dev")
mount -t tmpfs tmpfs "$root/run" && mounted+=("$root/run")
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

# Install with apt (Depends from the root's own packages or the mirror).
cp "$deb" "$root/tmp/"
in_root sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/$(basename "$deb")" \
    >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; die "apt-get install of the package failed"; }
say "installed with apt"

for f in /usr/bin/domus /usr/bin/domusd /usr/bin/domus-vmm /lib/systemd/system/domusd.service \
         /etc/domus/domusd.conf; do
    [[ -e $root$f ]] || die "$f is not installed"
done
in_root getent group domus >/dev/null || die "the postinst did not add the group domus"
for page in domus domusd domus-vmm; do
    in_root man -w "$page" >/dev/null || die "no man page for $page"
done
in_root domus run --help | grep -q -- "--exec" || die "domus run --help does not show --exec"
in_root systemd-analyze verify /lib/systemd/system/domusd.service ||
    die "systemd-analyze verify domusd.service failed"
say "systemd-analyze verify: clean"

# What systemd would do before ExecStart: the unit's directories.
unit="$root/lib/systemd/system/domusd.service"
value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
[[ $(value RuntimeDirectory) == domus && $(value StateDirectory) == domus &&
   $(value ConfigurationDirectory) == domus ]] || die "the unit's directories are not domus"
install -d -m "$(value RuntimeDirectoryMode)" "$root/run/domus"
install -d -m "$(value StateDirectoryMode)" "$root/var/lib/domus"
exec_start=$(value ExecStart)
[[ $exec_start == "/usr/bin/domusd --config /etc/domus/domusd.conf" ]] ||
    die "unexpected ExecStart: $exec_start"

say "starting: $exec_start"
# shellcheck disable=SC2086  # the ExecStart line's words
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $exec_start >"$work/domusd.log" 2>&1 &
domusd_pid=$!
for _ in $(seq 100); do
    [[ -S $root/run/domus/domusd.sock ]] && in_root domus list >/dev/null 2>&1 && break
    kill -0 "$domusd_pid" 2>/dev/null || { cat "$work/domusd.log" >&2; die "domusd exited"; }
    sleep 0.1
done
perm=$(in_root stat -c "%A %U %G" /run/domus/domusd.sock)
[[ $perm == "srwxrwx--- root domus" || $perm == "srw-rw---- root domus" ]] ||
    die "socket is $perm, expected srw-rw---- root domus"
say "socket /run/domus/domusd.sock: $perm"

# A member of the group may use the API; another user may not.
in_root useradd --no-create-home -G domus member
in_root useradd --no-create-home stranger
in_root runuser -u member -- domus list >/dev/null || die "a member of domus cannot use the socket"
if in_root runuser -u stranger -- domus list >/dev/null 2>&1; then
    die "a user outside the group domus could use the socket"
fi

cat >"$root/tmp/hello.cfg" <<'CFG'
name = "hello"
memory = 64
vcpus = 1
cmdline = "hello"
CFG
cat >"$root/tmp/svc.cfg" <<'CFG'
name = "svc"
memory = 64
vcpus = 1
cmdline = "service"
CFG
in_root runuser -u member -- domus create /tmp/hello.cfg || die "domus create hello failed"
for _ in $(seq 100); do
    in_root domus events | grep -q "hello stopped poweroff" && break
    sleep 0.1
done
in_root domus events | grep -q "hello stopped poweroff" ||
    { in_root domus events >&2; die "the domain hello did not power off"; }
in_root domus create /tmp/svc.cfg || die "domus create svc failed"
in_root domus list | grep -Eq '^svc .* running' || { in_root domus list >&2; die "svc is not running"; }
in_root domus destroy svc || die "domus destroy svc failed"
in_root domus list | grep -Eq '^svc .* stopped' || { in_root domus list >&2; die "svc is not stopped"; }
in_root domus list

# The package's domus runs a static program in its own VM there too (the host's busybox-static).
if [[ -x /bin/busybox ]]; then
    cp /bin/busybox "$root/tmp/busybox"
    out=$(in_root domus run --exec /tmp/busybox echo "hello from --exec" </dev/null) ||
        die "domus run --exec failed in the root"
    [[ $out == *"hello from --exec"* ]] || die "domus run --exec printed: $out"
    say "domus run --exec: ok"
fi
kill "$domusd_pid"
wait "$domusd_pid" || true
domusd_pid=
say "1 passed, 0 failed"
