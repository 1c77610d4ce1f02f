#!/bin/bash
# t/vm/build.sh - make the IPVS test guest: Debian's kernel (which has the
# ip_vs modules this host's kernel lacks) and a small initramfs, in a cache
# directory outside the repository.
#
#   t/vm/build.sh            build if needed; print KEY=VALUE lines:
#                            KVER, VMLINUX, INITRD, MODULES (the guest's
#                            /lib/modules/KVER on the host)
#   exit 0 ok, 2 cannot be built here (the reason on stderr, one line
#   starting "vm: "), 1 a real error
#
# Environment: LVSMON_VM_CACHE (default /var/cache/lvsmon-vm, else
# ${TMPDIR:-/tmp}/lvsmon-vm when that is not writable), LVSMON_VM_KPKG
# (default: the linux-image-<abi>-amd64 that linux-image-amd64 depends
# on).
#
# What it does, once per kernel package (the result is reused):
#   1. apt-get download the kernel .deb (never installed on this host),
#      dpkg-deb -x it, depmod -b (the .deb has no modules.dep)
#   2. vmlinux: the uncompressed ELF out of the bzImage's xz payload, so
#      qemu boots it through the PVH entry (about 3 s faster under TCG
#      than letting the guest decompress: notes/ipvs-vm.md)
#   3. initrd.cpio (uncompressed: fastest): busybox-static, t/vm/init, and
#      the modules that mount the host's / over virtio-9p.  Everything
#      else (bash, ip, ipvsadm, nft, the build's programs, the remaining
#      kernel modules) the guest reads from the host through that share.
set -u
set -o pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)

cant()
{
	echo "vm: $*" >&2
	exit 2
}

die()
{
	echo "vm: $*" >&2
	exit 1
}

[ "$(uname -m)" = x86_64 ] || cant "needs an x86_64 host (guest is amd64)"
command -v qemu-system-x86_64 >/dev/null ||
    cant "no qemu-system-x86_64 (Debian package qemu-system-x86)"
BUSYBOX=""
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
		BUSYBOX=$b	# ldd fails on a static binary: what we need
		break
	fi
done
[ -n "$BUSYBOX" ] || cant "no static busybox (Debian package busybox-static)"
for c in cpio xz depmod modprobe dpkg-deb apt-get; do
	command -v "$c" >/dev/null || cant "no $c (packages cpio xz-utils kmod)"
done

CACHE=${LVSMON_VM_CACHE:-/var/cache/lvsmon-vm}
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
	CACHE=${TMPDIR:-/tmp}/lvsmon-vm
	mkdir -p "$CACHE" || die "cannot make $CACHE"
fi

KPKG=${LVSMON_VM_KPKG:-}
if [ -z "$KPKG" ]; then
	KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2 }' |
	    head -n 1)
	[ -n "$KPKG" ] || cant "apt knows no linux-image-amd64 (apt-get update?)"
fi
KVER=${KPKG#linux-image-}
OUT=$CACHE/$KVER
ROOT=$OUT/root

# A finished build is marked by its stamp; the stamp also covers the
# files of ours that go into the image.
STAMP_WANT=$(cat "$SRC/t/vm/init" "$0" | cksum | awk '{ print $1 }')
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP_WANT" ] &&
    [ -f "$OUT/vmlinux" ] && [ -f "$OUT/initrd.cpio" ]; then
	echo "KVER=$KVER"
	echo "VMLINUX=$OUT/vmlinux"
	echo "INITRD=$OUT/initrd.cpio"
	echo "MODULES=$ROOT/lib/modules/$KVER"
	exit 0
fi

# One builder at a time (prove -j runs tests side by side).
exec 9>"$CACHE/.lock"
flock -w 300 9 || die "another build holds $CACHE/.lock for 300 s"

if [ ! -f "$ROOT/lib/modules/$KVER/modules.dep" ]; then
	mkdir -p "$CACHE/dl" || die "cannot make $CACHE/dl"
	deb=$(ls "$CACHE/dl/${KPKG}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		( cd "$CACHE/dl" && timeout 300 apt-get download -q "$KPKG" \
		    >"$CACHE/dl/apt.log" 2>&1 ) ||
		    cant "cannot download $KPKG ($(grep -m1 -E '^(E|W):' \
		    "$CACHE/dl/apt.log" | cut -c1-120))"
		deb=$(ls "$CACHE/dl/${KPKG}_"*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || cant "apt-get download left no $KPKG .deb"
	fi
	rm -rf "$ROOT.tmp"
	mkdir -p "$ROOT.tmp" || die "cannot make $ROOT.tmp"
	dpkg-deb -x "$deb" "$ROOT.tmp" || die "dpkg-deb -x $deb failed"
	# Debian 12 ships modules under lib/, later releases under usr/lib/.
	if [ ! -d "$ROOT.tmp/lib/modules/$KVER" ] &&
	    [ -d "$ROOT.tmp/usr/lib/modules/$KVER" ]; then
		mkdir -p "$ROOT.tmp/lib/modules"
		mv "$ROOT.tmp/usr/lib/modules/$KVER" "$ROOT.tmp/lib/modules/"
	fi
	depmod -b "$ROOT.tmp" "$KVER" || die "depmod -b failed"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
fi

# vmlinux out of the bzImage: the first xz stream that decompresses to ELF.
if [ ! -f "$OUT/vmlinux" ]; then
	vmlinuz=$ROOT/boot/vmlinuz-$KVER
	[ -f "$vmlinuz" ] || die "no $vmlinuz in the package"
	found=""
	for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" |
	    cut -d: -f1 | head -n 5); do
		tail -c +$((off + 1)) "$vmlinuz" |
		    xz -dc --single-stream >"$OUT/vmlinux.tmp" 2>/dev/null
		if [ "$(head -c 4 "$OUT/vmlinux.tmp" | od -An -tx1 |
		    tr -d ' ')" = 7f454c46 ]; then
			found=1
			break
		fi
	done
	[ -n "$found" ] || die "no xz-compressed ELF kernel in $vmlinuz"
	mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
fi

# The initramfs: busybox, /init, and what mounting the 9p share needs.
IR=$OUT/initrd.d
rm -rf "$IR"
mkdir -p "$IR/bb" "$IR/modules" || die "cannot make $IR"
cp "$BUSYBOX" "$IR/bb/busybox" || die "cannot copy busybox"
cp "$SRC/t/vm/init" "$IR/init" && chmod 755 "$IR/init" ||
    die "cannot copy t/vm/init"
deps=$(modprobe -a -d "$ROOT" -S "$KVER" --show-depends virtio_pci \
    9pnet_virtio 9p 2>&1) || die "modprobe --show-depends: $deps"
: >"$IR/modules/order"
while read -r kind path _; do
	[ "$kind" = insmod ] || continue
	name=$(basename "$path")
	grep -qx "$name" "$IR/modules/order" && continue
	cp "$path" "$IR/modules/$name" || die "cannot copy $path"
	echo "$name" >>"$IR/modules/order"
done <<<"$deps"
( cd "$IR" && find . | LC_ALL=C sort | cpio -o -H newc --quiet ) \
    >"$OUT/initrd.cpio.tmp" || die "cpio failed"
mv "$OUT/initrd.cpio.tmp" "$OUT/initrd.cpio"
rm -rf "$IR"
echo "$STAMP_WANT" >"$OUT/stamp"

echo "KVER=$KVER"
echo "VMLINUX=$OUT/vmlinux"
echo "INITRD=$OUT/initrd.cpio"
echo "MODULES=$ROOT/lib/modules/$KVER"
