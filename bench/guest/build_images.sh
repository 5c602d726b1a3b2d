#!/usr/bin/env bash
# Builds the guest benchmarks' programs and initramfs images into the build tree. Called by
# every bench_guest_* binary before it measures (and by hand: build_images.sh SRC OUT); a
# second call rebuilds only what is older than its sources.
#
#   build_images.sh SOURCE_DIR OUTPUT_DIR       (SOURCE_DIR = bench/guest)
#
# OUTPUT_DIR/bin/gb_*        the programs (musl-gcc -static -O2), run in the domains and on
#                            the host alike
# OUTPUT_DIR/blob            64 MiB of a fixed xorshift64* stream (gb_gen), hashed by sha256
# OUTPUT_DIR/<name>.cpio     uncompressed newc archives of OUTPUT_DIR/root-<name>/:
#   boot-busybox   /bin/busybox and /bin/echo -> busybox      (init=/bin/echo -- ready)
#   boot-musl      /init = gb_ready, a 1-line static musl init
#   boot-musl-busybox  both: the cost of unpacking busybox without running it
#   exec-musl      /bin/gb_ready: what `domus run --exec gb_ready` packs, made by hand
#   exec-busybox   /bin/busybox and a link per applet: `--with-busybox --exec busybox`'s
#   progs          gb_syscall, gb_forkexec, gb_true, gb_pipe in /bin
#   sha256         busybox, gb_hash, gb_readfile, /data/blob
#   net            busybox (sh, sleep, kill, cat), gb_net, gohttp (tests/guest/gohttp)
#   disk           busybox (sh, sleep, dd, mkdir, mount, umount, rm), gb_disk, gb_syscall
#   idle           busybox, /bin/sh and /bin/sleep links, /init = a shell script running
#                  /bin/sh -c "sleep 0.2; exit 0"
# Needs musl-gcc (musl-tools), busybox (busybox-static) and cpio (scripts/bootstrap installs
# them) and flock (util-linux).
set -euo pipefail

src=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)

missing=()
for tool in musl-gcc cpio flock; do
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

# One builder at a time (two benchmarks started together share the output directory).
exec 9>"$out/.lock"
flock 9

mkdir -p "$out/bin"
for prog in gb_syscall gb_forkexec gb_true gb_pipe gb_hash gb_readfile gb_gen gb_ready gb_disk gb_net; do
    target="$out/bin/$prog"
    source="$src/programs/$prog.c"
    if [[ -x $target && $target -nt $source && $target -nt $src/programs/common.h &&
          $target -nt $src/build_images.sh ]]; then
        continue
    fi
    musl-gcc -static -O2 -s -Wall -Wextra -Werror -o "$target.tmp" "$source"
    mv "$target.tmp" "$target"
done

blob_size=$((64 * 1024 * 1024))
if [[ ! -f $out/blob || $(stat -c %s "$out/blob") -ne $blob_size || $out/bin/gb_gen -nt $out/blob ]]; then
    "$out/bin/gb_gen" "$out/blob.tmp" "$blob_size"
    mv "$out/blob.tmp" "$out/blob"
fi

# image NAME SOURCES...: true (build it) when $out/NAME.cpio is missing or older than a source
# or this script; then root-NAME/ is made from scratch and packed by pack NAME.
image() {
    local img="$out/$1.cpio" s
    shift
    [[ -f $img && $img -nt $src/build_images.sh ]] || return 0
    for s in "$@"; do [[ $img -nt $s ]] || return 0; done
    return 1
}
new_root() {
    local dir="$out/root-$1"
    rm -rf "$dir"
    mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/tmp"
    echo "$dir"
}
put() {  # put FILE DEST: a hard link when on the same file system, else a copy
    ln -f "$1" "$2" 2>/dev/null || cp -p "$1" "$2"
}
pack() {
    local dir="$out/root-$1" img="$out/$1.cpio"
    (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$img.tmp"
    mv "$img.tmp" "$img"
}
b="$out/bin"

if image boot-busybox "$busybox"; then
    r=$(new_root boot-busybox)
    cp -p "$busybox" "$r/bin/busybox"
    ln -s busybox "$r/bin/echo"
    pack boot-busybox
fi

if image boot-musl "$b/gb_ready"; then
    r=$(new_root boot-musl)
    put "$b/gb_ready" "$r/init"
    pack boot-musl
fi

if image boot-musl-busybox "$busybox" "$b/gb_ready"; then
    r=$(new_root boot-musl-busybox)
    cp -p "$busybox" "$r/bin/busybox"
    ln -s busybox "$r/bin/echo"
    put "$b/gb_ready" "$r/init"
    pack boot-musl-busybox
fi

# What `domus run --exec` packs, made by hand (bench_guest_exec): the program in /bin and the
# empty /dev, /proc, /tmp; with busybox and a link per applet in /bin.
if image exec-musl "$b/gb_ready"; then
    r=$(new_root exec-musl)
    put "$b/gb_ready" "$r/bin/gb_ready"
    pack exec-musl
fi

if image exec-busybox "$busybox"; then
    r=$(new_root exec-busybox)
    cp -p "$busybox" "$r/bin/busybox"
    for applet in $("$busybox" --list); do
        [[ $applet == busybox ]] || ln -s busybox "$r/bin/$applet"
    done
    pack exec-busybox
fi

if image progs "$b/gb_syscall" "$b/gb_forkexec" "$b/gb_true" "$b/gb_pipe"; then
    r=$(new_root progs)
    for p in gb_syscall gb_forkexec gb_true gb_pipe; do put "$b/$p" "$r/bin/$p"; done
    pack progs
fi

if image sha256 "$busybox" "$b/gb_hash" "$b/gb_readfile" "$out/blob"; then
    r=$(new_root sha256)
    mkdir -p "$r/data"
    cp -p "$busybox" "$r/bin/busybox"
    for p in gb_hash gb_readfile; do put "$b/$p" "$r/bin/$p"; done
    put "$out/blob" "$r/data/blob"
    pack sha256
fi

if image disk "$busybox" "$b/gb_disk" "$b/gb_syscall"; then
    r=$(new_root disk)
    cp -p "$busybox" "$r/bin/busybox"
    for applet in sh sleep dd mkdir mount umount rm; do ln -s busybox "$r/bin/$applet"; done
    put "$b/gb_disk" "$r/bin/gb_disk"
    put "$b/gb_syscall" "$r/bin/gb_syscall"
    pack disk
fi

# The Go HTTP server of the network tests (tests/guest/gohttp), built offline like theirs.
gohttp_src="$src/../../tests/guest/gohttp"
if [[ ! -x $out/bin/gohttp || $gohttp_src/main.go -nt $out/bin/gohttp ]]; then
    (export GOCACHE="$out/go/cache" GOPATH="$out/go/path" GOPROXY=off GOFLAGS=-mod=mod \
            GOTOOLCHAIN=local GOENV=off CGO_ENABLED=0 GO111MODULE=on GOOS=linux GOARCH=amd64
     cd "$gohttp_src" && go build -o "$out/bin/gohttp.tmp" .)
    mv "$out/bin/gohttp.tmp" "$out/bin/gohttp"
fi

if image net "$busybox" "$b/gb_net" "$b/gohttp"; then
    r=$(new_root net)
    cp -p "$busybox" "$r/bin/busybox"
    for applet in sh sleep kill cat; do ln -s busybox "$r/bin/$applet"; done
    for p in gb_net gohttp; do put "$b/$p" "$r/bin/$p"; done
    pack net
fi

if image idle "$busybox"; then
    r=$(new_root idle)
    cp -p "$busybox" "$r/bin/busybox"
    for applet in sh sleep; do ln -s busybox "$r/bin/$applet"; done
    printf '#!/bin/sh\n/bin/sh -c "sleep 0.2; exit 0"\n' >"$r/init"
    chmod 755 "$r/init"
    pack idle
fi
