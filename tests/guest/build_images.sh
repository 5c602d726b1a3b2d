#!/usr/bin/env bash
# Builds the guest test programs and packs the initramfs images the guest tests boot.
#
#   build_images.sh SOURCE_DIR OUTPUT_DIR
#
# SOURCE_DIR is tests/guest. Everything goes into OUTPUT_DIR (in the build tree):
#   bin/<prog>-musl, bin/<prog>-glibc    C programs, musl-gcc -static and gcc -static
#   bin/hello-{musl,glibc}-pie           the same as static-PIE (ET_DYN)
#   bin/guestgo                          the Go program, CGO_ENABLED=0
#   root/                                the initramfs tree: busybox and its applet links, the
#                                        programs in /bin, the scripts in /tests, /init
#   guest.cpio.gz                        root/ packed with cpio -H newc, gzip-compressed
#   small.cpio                           only the fault and syscall programs, uncompressed:
#                                        for the domains with little memory
# Needs musl-gcc (musl-tools), gcc, go (golang-go), busybox (busybox-static), cpio and gzip:
# scripts/bootstrap installs them. No network: Go uses only its standard library.
set -euo pipefail

src=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)

missing=()
for tool in musl-gcc gcc go cpio gzip; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
busybox=/bin/busybox
[[ -x $busybox ]] || missing+=("busybox (busybox-static)")
if ((${#missing[@]} > 0)); then
    echo "build_images.sh: missing ${missing[*]}: run scripts/bootstrap" >&2
    exit 1
fi
if ! { ldd "$busybox" 2>&1 || true; } | grep -q "not a dynamic"; then
    echo "build_images.sh: $busybox is not the static busybox (install busybox-static)" >&2
    exit 1
fi

cflags=(-O2 -s -Wall -Wextra -Werror)
mkdir -p "$out/bin"

# Debian's musl-gcc specs cannot make a static PIE (-static-pie picks crtbeginT.o and the
# dynamic linker): name the start files and the linker options of gcc's -static-pie.
musl=/usr/lib/x86_64-linux-musl
musl_static_pie=(-fPIE -nostartfiles "$musl/rcrt1.o" "$musl/crti.o"
                 "$(gcc -print-file-name=crtbeginS.o)" "$(gcc -print-file-name=crtendS.o)"
                 "$musl/crtn.o" -Wl,-static,-pie,--no-dynamic-linker,-z,text)

# Compiles one C program with one compiler, unless it is newer than its sources.
build_c() {
    local cc=$1 name=$2 suffix=$3
    shift 3
    local target="$out/bin/$name-$suffix"
    local source="$src/programs/$name.c"
    if [[ -x $target && $target -nt $source && $target -nt $src/programs/common.h &&
          $target -nt $src/build_images.sh ]]; then
        return
    fi
    "$cc" "${cflags[@]}" "$@" -o "$target.tmp" "$source" -pthread
    mv "$target.tmp" "$target"
}

for prog in hello threads faults sysargs xstate sockets tcpblob timers; do
    build_c musl-gcc "$prog" musl -static &
    build_c gcc "$prog" glibc -static &
done
build_c musl-gcc hello musl-pie "${musl_static_pie[@]}" &
build_c gcc hello glibc-pie -static-pie -fPIE &
wait_all() {
    local rc=0
    for job in $(jobs -p); do wait "$job" || rc=1; done
    return $rc
}
wait_all

# Go: the module cache and build cache live in the build tree; GOFLAGS and GOPROXY keep it
# offline. Without -trimpath the standard library's precompiled packages are reused.
export GOCACHE="$out/go/cache" GOPATH="$out/go/path" GOPROXY=off GOFLAGS=-mod=mod
export GOTOOLCHAIN=local GOENV=off CGO_ENABLED=0 GO111MODULE=on GOOS=linux GOARCH=amd64
(cd "$src/go" && go build -o "$out/bin/guestgo.tmp" .)
mv "$out/bin/guestgo.tmp" "$out/bin/guestgo"
(cd "$src/gohttp" && go build -o "$out/bin/gohttp.tmp" .)
mv "$out/bin/gohttp.tmp" "$out/bin/gohttp"

# The initramfs tree.
root="$out/root"
rm -rf "$root"
mkdir -p "$root/bin" "$root/tests" "$root/tmp" "$root/dev" "$root/proc" "$root/etc"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
done
for f in "$out"/bin/*; do
    cp "$f" "$root/bin/"
done
cp "$src"/scripts/*.sh "$root/tests/"
printf '#!/bin/sh\necho "default /init ran with $# arguments: $*"\nexit 5\n' > "$root/init"
chmod 755 "$root/init"
echo "domus-guest-test" > "$root/etc/hostname"

pack() {
    local dir=$1
    (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
}
pack "$root" | gzip -1 > "$out/guest.cpio.gz.tmp"
mv "$out/guest.cpio.gz.tmp" "$out/guest.cpio.gz"

small="$out/small-root"
rm -rf "$small"
mkdir -p "$small/bin" "$small/tmp" "$small/dev" "$small/proc"
cp "$out/bin/faults-musl" "$out/bin/faults-glibc" "$out/bin/sysargs-musl" "$small/bin/"
pack "$small" > "$out/small.cpio.tmp"
mv "$out/small.cpio.tmp" "$out/small.cpio"

echo "build_images.sh: $(du -k "$out/guest.cpio.gz" | cut -f1) KiB guest.cpio.gz," \
    "$(du -k "$out/small.cpio" | cut -f1) KiB small.cpio in $out"
