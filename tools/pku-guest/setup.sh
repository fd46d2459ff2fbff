#!/usr/bin/env bash
# Prepare everything the PKU guest needs: host packages, a Debian kernel
# (uncompressed, so QEMU can boot it via PVH) and a busybox initramfs.
#
# Usage: setup.sh [--force]
#
# The result lives in the cache dir (see below). A cache built by this exact
# version of the script is reused as is, so calling this on every run is cheap.
set -euo pipefail

script=$(readlink -f "${BASH_SOURCE[0]}")
cache=${MPK_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpk-pku-guest}

force=0
case "${1:-}" in
  '') ;;
  --force) force=1 ;;
  -h | --help) sed -n '2,8p' "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

log() { echo "pku-guest setup: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The script's own hash is the cache version: editing the /init below or the
# build steps invalidates the cache automatically.
version=$(sha256sum "$script" | cut -c1-64)

# Host packages and the commands we rely on from each.
packages=(qemu-system-x86 busybox-static cpio xz-utils)
missing_packages() {
  local pkg status
  for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    # A dynamic busybox (package "busybox") would die in the initramfs before
    # /usr is mounted, so only busybox-static counts.
    [[ $status == ii* ]] || printf '%s\n' "$pkg"
  done
}

cache_is_current() {
  [[ -s $cache/vmlinux && -s $cache/initrd.cpio && -f $cache/stamp ]] &&
    [[ $(<"$cache/stamp") == "$version" ]] &&
    [[ -z $(missing_packages) ]]
}

if ((!force)) && cache_is_current; then
  exit 0
fi

mkdir -p "$cache"
# Two concurrent run.sh calls must not build into the same cache at once.
exec 9>"$cache/.lock"
flock 9
if ((!force)) && cache_is_current; then
  exit 0
fi

started=$SECONDS
is_root=0
[[ $(id -u) == 0 ]] && is_root=1
apt_log=$cache/setup.log
: >"$apt_log"

# Runs a noisy command with its output in the log, shown only on failure.
quietly() {
  if ! "$@" >>"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    die "failed: $* (full log: $apt_log)"
  fi
}

mapfile -t missing < <(missing_packages)
apt_updated=0
if ((${#missing[@]})); then
  if ((!is_root)); then
    log "missing packages: ${missing[*]}; as root, run:"
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  quietly apt-get update
  apt_updated=1
  quietly env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The metapackage points at the current kernel ABI; an old package list may
# name a kernel the mirror no longer has, so refresh it when we can.
if ((is_root && !apt_updated)); then
  log "apt-get update"
  quietly apt-get update
fi
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
  awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[[ -n $kpkg ]] || die "cannot find the kernel behind linux-image-amd64 (run apt-get update as root)"

work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

log "downloading $kpkg"
# As root, apt's download sandbox user cannot write to our dir; running the
# download as root avoids a warning without changing any permissions.
sandbox=()
((is_root)) && sandbox=(-o APT::Sandbox::User=root)
(cd "$work" && quietly apt-get download "${sandbox[@]}" "$kpkg")
quietly dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/kpkg"
rm -f "$work"/*.deb

vmlinuz=$(find "$work/kpkg/boot" -name 'vmlinuz-*' -print -quit)
[[ -n $vmlinuz ]] || die "no vmlinuz in $kpkg"
krel=${vmlinuz##*/vmlinuz-}
moddir=$work/kpkg/lib/modules/$krel
[[ -d $moddir ]] || die "no modules for $krel in $kpkg"
if ! grep -q '^CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS=y' "$work/kpkg/boot/config-$krel"; then
  die "$kpkg is built without memory protection keys"
fi

# The bzImage's payload is an xz stream; QEMU boots the bare ELF inside it via
# PVH, which skips the real-mode setup and the in-guest decompression (both
# slow under TCG). The magic can also occur by chance, so try each hit until
# one decompresses to an ELF file.
log "extracting vmlinux from vmlinuz-$krel"
found=0
while read -r off; do
  # xz stops reading after the stream, so tail may die of SIGPIPE: keep it
  # out of the pipefail'd status.
  if xz -dc --single-stream < <(tail -c +"$((off + 1))" "$vmlinuz") >"$work/vmlinux" 2>/dev/null &&
    [[ $(head -c 4 "$work/vmlinux" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
    found=1
    break
  fi
done < <(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$vmlinuz" | cut -d: -f1)
((found)) || die "no xz-compressed ELF kernel found inside $vmlinuz"

# Module files, keyed by module name (the kernel treats - and _ alike).
declare -A modfile=()
while IFS= read -r f; do
  name=${f##*/}
  name=${name%%.ko*}
  modfile[${name//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko*')

rootfs=$work/root
mkdir -p "$rootfs/modules"

# busybox insmod only takes plain .ko files, and Debian compresses modules in
# some releases (.ko.xz in trixie), so store them decompressed.
decompress_module() {
  case "$1" in
    *.ko) cat "$1" ;;
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -dcq "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) die "unknown module format: $1" ;;
  esac
}

# The deb has no modules.dep (depmod runs at install time), so resolve the load
# order from each module's own "depends=" field, dependencies first.
declare -A placed=()
order=()
add_module() {
  local name=${1//-/_} deps dep
  [[ -n ${placed[$name]:-} ]] && return 0
  placed[$name]=1
  [[ -n ${modfile[$name]:-} ]] || die "module $name not found in $kpkg"
  decompress_module "${modfile[$name]}" >"$rootfs/modules/$name.ko"
  deps=$(tr '\0' '\n' <"$rootfs/modules/$name.ko" | grep -a -m1 '^depends=' || true)
  deps=${deps#depends=}
  for dep in ${deps//,/ }; do
    add_module "$dep"
  done
  order+=("$name")
}
# 9p over virtio-pci is all we need: the shares carry /usr, the project and
# the per-run files.
for m in virtio_pci 9pnet_virtio 9p; do
  add_module "$m"
done
printf '%s\n' "${order[@]}" >"$rootfs/modules/order"
log "modules: ${order[*]}"

# Userland: one static busybox; /bin, /lib etc. point into the host's /usr,
# which the guest mounts read-only, so host programs (node, bash, coreutils)
# run unchanged and /bin/sh is the host's /bin/sh.
mkdir -p "$rootfs/busybox"
cp /bin/busybox "$rootfs/busybox/busybox"
while IFS= read -r applet; do
  [[ $applet == busybox ]] || ln -s busybox "$rootfs/busybox/$applet"
done < <(/bin/busybox --list)
mkdir -p "$rootfs"/{usr,proc,sys,dev,tmp,run,etc,root,var,mnt}
for d in bin sbin lib lib32 lib64 libx32; do
  ln -s "usr/$d" "$rootfs/$d"
done
ln -s ../tmp "$rootfs/var/tmp"
ln -s /proc/self/mounts "$rootfs/etc/mtab"
# Without /dev/console the kernel starts /init with no stdio; mknod needs root,
# so /init also reopens the console itself after mounting devtmpfs.
mkdir -p "$rootfs/dev"
mknod -m 600 "$rootfs/dev/console" c 5 1 2>/dev/null || true

# Just enough /etc for getpwuid() (os.userInfo()), getaddrinfo("localhost")
# and tools that look up the host name.
cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/tmp/home:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
cat >"$rootfs/etc/hosts" <<'EOF'
127.0.0.1	localhost pku-guest
::1	localhost ip6-localhost ip6-loopback
EOF
cat >"$rootfs/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files
networks: files
protocols: files
services: files
EOF
echo pku-guest >"$rootfs/etc/hostname"

# PID 1 in the guest. Contract with run.sh, through the 9p share "mpkrun"
# (mounted at /run/mpk): "mounts" lists "tag ro|rw /abs/path" shares to mount,
# "cmd.sh" is the command (with its environment and cwd), "etc/" holds host
# files to copy into /etc. Serial ports: ttyS0 kernel console (a log file on
# the host), ttyS1 the command's output (the host's stdout), ttyS2 the result,
# one line: "exit N" or "fail MESSAGE".
cat >"$rootfs/init" <<'EOF'
#!/busybox/sh
PATH=/busybox
export PATH

mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

# A guest that cannot report why it failed would look like a hang or a panic
# on the host; so every failure is reported on the status port first.
finish() {
  kill -9 -1 2>/dev/null
  # The shares use cache=loose: write back what the command wrote.
  sync
  poweroff -f
}
fail() {
  echo "pku-guest init: $*"
  echo "fail $*" >/dev/ttyS2
  finish
}

mount -t proc proc /proc || fail "cannot mount /proc"
mount -t sysfs sysfs /sys || fail "cannot mount /sys"
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || fail "cannot mount /dev/pts"
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || fail "cannot mount /dev/shm"
mount -t tmpfs -o mode=1777 tmpfs /tmp || fail "cannot mount /tmp"
mount -t tmpfs -o mode=755 tmpfs /run || fail "cannot mount /run"
# devtmpfs lacks these; bash process substitution and /dev/stdout users need them.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
hostname pku-guest
# Tests listen on 127.0.0.1 even without a network.
ifconfig lo 127.0.0.1 up

while read -r m; do
  insmod "/modules/$m.ko" || fail "insmod $m failed"
done </modules/order

opts=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /run/mpk
# No cache on the control share: the host wrote it just now.
mount -t 9p -o "$opts" mpkrun /run/mpk || fail "cannot mount the run share"
# Shorter paths first, so a share nested in another one lands on top of it.
while read -r tag mode path; do
  mkdir -p "$path" || fail "cannot create mount point $path"
  mount -t 9p -o "$opts,cache=loose,$mode" "$tag" "$path" || fail "cannot mount $path"
done </run/mpk/mounts
[ -x /usr/bin/env ] || fail "the host's /usr is not usable in the guest"
for f in /run/mpk/etc/*; do
  [ -f "$f" ] && cp "$f" /etc/
done
mkdir -p /tmp/home

# The whole point of the guest is enforcement: never run without it.
flags=$(grep -m1 '^flags' /proc/cpuinfo)
flags=" ${flags#*:} "
have=
case "$flags" in *" pku "*) have=pku ;; esac
case "$flags" in *" ospke "*) [ -n "$have" ] && have="pku ospke" ;; esac
stty -F /dev/ttyS1 115200 raw -echo
if [ "$have" != "pku ospke" ]; then
  echo "pku-guest: kernel $(uname -r) under QEMU TCG (emulated CPU), cpu flags: MISSING pku/ospke" >/dev/ttyS1
  fail "the guest CPU lacks pku/ospke"
fi
echo "pku-guest: kernel $(uname -r) under QEMU TCG (emulated CPU), cpu flags: $have" >/dev/ttyS1

# The command writes into a pipe, as under CI. The port is opened only by
# cat, so that cat's close waits until every byte has left the UART.
mkfifo /run/out
cat /run/out >/dev/ttyS1 &
cat_pid=$!
cd /
env -i /bin/sh /run/mpk/cmd.sh </dev/null >/run/out 2>&1
status=$?
# A background process the command left behind may hold the pipe open; give
# it a moment to finish writing, then stop waiting for it.
(sleep 2; kill "$cat_pid" 2>/dev/null) &
wait "$cat_pid"
echo "exit $status" >/dev/ttyS2
finish
EOF
chmod 755 "$rootfs/init"

log "building initramfs"
# Uncompressed: the kernel would otherwise spend emulated CPU time on gunzip.
(cd "$rootfs" && find . -mindepth 1 | LC_ALL=C sort |
  cpio --quiet -o -H newc -R 0:0 >"$work/initrd.cpio")

rm -f "$cache/stamp"
mv -f "$work/vmlinux" "$cache/vmlinux"
mv -f "$work/initrd.cpio" "$cache/initrd.cpio"
echo "$krel" >"$cache/kernel-release"
echo "$version" >"$cache/stamp"
log "ready in $((SECONDS - started)) s: kernel $krel in $cache"
