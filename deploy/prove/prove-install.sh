#!/bin/bash
# The end-to-end proof of deploy/: fresh Debian 12 root filesystems built here with debootstrap, the
# installers run in them for real, the services they install started by systemd, a kiosk syncing
# from the installed admin node over TLS. Not part of the test run (it takes minutes and root):
#
#   sudo deploy/prove/prove-install.sh [--no-arm64]
#
# What it does (each step logged; the first failure stops it with an `error:` line):
#   1. debootstrap bookworm (minbase + systemd) for amd64, and arm64 when qemu-user-static's binfmt
#      handler is registered; cached in $INNOVATUM_PROOF_DIR (default /var/tmp/innovatum-proof), each
#      run works on fresh copies. The mirror is the one this machine's apt uses.
#   2. A private network namespace (this machine's port 1883 is taken, the admin node needs its
#      own) joined to the host by a veth pair; apt and pip inside reach the Internet through
#      deploy/prove/http_proxy.py on the host end.
#   3. The admin root boots under systemd (systemd-nspawn --boot). install-admin.sh --dry-run must
#      change no file; the real run installs everything; a second run must say "nothing changed".
#      Then a kiosk is added, the installer rerun (accounts), content added, a bundle written.
#   4. An amd64 kiosk root boots in the same namespace: install-kiosk.sh BUNDLE --mode headless
#      (dry run, real, again); its systemd unit syncs over TLS (mqtts://admin.innovatum.lan:8883);
#      edits, a remote restart, the notify STATUS and a backup run are checked.
#   5. arm64 (the Pi's architecture) under qemu-user-static: install-kiosk.sh in a chroot, then the
#      headless unit's ExecStart as its user with its environment (systemd cannot boot under
#      qemu-user), syncing from the same admin node. Without binfmt: `pip download --platform
#      manylinux2014_aarch64 --only-binary=:all:` resolves every wheel the kiosk needs.
# The summary at the end says what was proven and what was not; deploy/README.md quotes it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$(cd "$HERE/../.." && pwd)"
readonly HERE SRC
readonly WORK="${INNOVATUM_PROOF_DIR:-/var/tmp/innovatum-proof}"
readonly NETNS=innovatum-proof
readonly HOST_IF=inv-proof-host
readonly NS_IF=inv-proof
readonly HOST_IP=10.231.0.1
readonly NS_IP=10.231.0.2
readonly PROXY="http://$HOST_IP:3128"
readonly ADMIN_NAME=admin.innovatum.lan
readonly SUITE=bookworm
readonly KIOSK_CONFIG=/etc/innovatum-kiosk/kiosk.toml

with_arm64=1
for arg in "$@"; do
    case "$arg" in
        --no-arm64) with_arm64=0 ;;
        -h | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
        *) echo "error: unknown argument '$arg'" >&2 && exit 2 ;;
    esac
done

log() { echo "[proof $(date -u +%H:%M:%S)] $*"; }
die() {
    echo "error: $*" >&2
    exit 1
}
proven=()
not_proven=()
prove() {
    proven+=("$*")
    log "PROVEN: $*"
}

[[ $EUID -eq 0 ]] || die "run this as root: it builds root filesystems, a network namespace and containers"
for tool in debootstrap systemd-nspawn nsenter ip python3 git; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install debootstrap systemd-container iproute2 git)"
done
mkdir -p "$WORK"

# --- cleanup: only what this run started ------------------------------------------------------------

pids=()
mounts=()
cleanup() {
    local pid i
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
    ip netns del "$NETNS" 2>/dev/null || true
    ip link del "$HOST_IF" 2>/dev/null || true
}
trap cleanup EXIT

# --- 1. root filesystems --------------------------------------------------------------------------

mirror() {
    local url
    url="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/* |
        grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ')"
    echo "${url:-http://deb.debian.org/debian}"
}

base_root() {
    local arch=$1 dir="$WORK/base-$1"
    if [[ ! -f $dir/etc/debian_version ]]; then
        log "debootstrap $SUITE/$arch from $(mirror) (minutes; cached in $dir)"
        rm -rf "$dir"
        debootstrap --arch="$arch" --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates \
            "$SUITE" "$dir" "$(mirror)" >"$WORK/debootstrap-$arch.log" 2>&1 ||
            die "debootstrap $arch failed: see $WORK/debootstrap-$arch.log"
    fi
    echo "$dir"
}

# fresh_root NAME ARCH: a copy of the base with the source tree in /root/innovatum-kiosk.
fresh_root() {
    local name=$1 arch=$2 root="$WORK/$1"
    rm -rf "$root"
    cp -a "$(base_root "$arch")" "$root"
    mkdir -p "$root/root/innovatum-kiosk"
    (cd "$SRC" && git ls-files -z | tar --null -T - -c) | tar -x -C "$root/root/innovatum-kiosk"
    echo "$name" >"$root/etc/hostname"
    echo "$NS_IP $ADMIN_NAME" >>"$root/etc/hosts"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # This machine's own extra CAs (a TLS-inspecting egress proxy, say): pip inside must trust what
    # this machine trusts to reach PyPI. A site behind such a proxy does the same on its machines.
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    fi
    echo "$root"
}

# --- 2. network -----------------------------------------------------------------------------------

log "network namespace $NETNS ($NS_IP), host end $HOST_IP, proxy $PROXY"
ip netns del "$NETNS" 2>/dev/null || true
ip link del "$HOST_IF" 2>/dev/null || true
ip netns add "$NETNS"
ip link add "$HOST_IF" type veth peer name "$NS_IF"
ip link set "$NS_IF" netns "$NETNS"
ip addr add "$HOST_IP/24" dev "$HOST_IF"
ip link set "$HOST_IF" up
ip -n "$NETNS" addr add "$NS_IP/24" dev "$NS_IF"
ip -n "$NETNS" link set "$NS_IF" up
ip -n "$NETNS" link set lo up
python3 "$HERE/http_proxy.py" "$HOST_IP" 3128 >"$WORK/proxy.log" 2>&1 &
pids+=($!)

# --- containers -----------------------------------------------------------------------------------

declare -A leader
boot() {
    local name=$1 root=$2 nspawn child state
    systemd-nspawn --register=no --keep-unit --quiet -D "$root" --boot --machine="$name" \
        --network-namespace-path="/run/netns/$NETNS" >"$WORK/$name.console" 2>&1 &
    nspawn=$!
    pids+=("$nspawn")
    for _ in $(seq 1 100); do
        child="$(pgrep -P "$nspawn" | head -n1 || true)"
        [[ -n $child ]] && break
        sleep 0.2
    done
    [[ -n $child ]] || die "the $name container did not start: $WORK/$name.console"
    leader[$name]=$child
    for _ in $(seq 1 150); do
        state="$(inside "$name" systemctl is-system-running 2>/dev/null || true)"
        [[ $state == running || $state == degraded ]] && break
        sleep 0.4
    done
    [[ $state == running || $state == degraded ]] || die "systemd in $name did not come up ($state)"
    log "$name: systemd $(inside "$name" systemctl --version | head -n1 | cut -d' ' -f2) is PID 1, state $state"
}

# inside NAME COMMAND...: run in the booted container, as root, with the proxy for apt and pip.
inside() {
    local name=$1
    shift
    nsenter -t "${leader[$name]}" -m -u -i -n -p -r -w env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 http_proxy="$PROXY" https_proxy="$PROXY" \
        PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$@"
}

# changed_files ROOT MARKER: files under the system's directories newer than MARKER.
changed_files() {
    find "$1/etc" "$1/opt" "$1/usr" "$1/var/lib" "$1/var/backups" "$1/home" -xdev -newer "$2" \
        ! -path '*/var/lib/systemd/*' ! -path '*/var/lib/apt/*' ! -path '*/var/lib/dpkg/*' ! -path '*/var/cache/*' \
        -print 2>/dev/null || true
}

wait_for() {
    local what=$1 tries=$2
    shift 2
    for _ in $(seq 1 "$tries"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    die "timed out waiting for $what"
}

# --- 3. the admin node ----------------------------------------------------------------------------

admin_root="$(fresh_root innovatum-admin amd64)"
boot innovatum-admin "$admin_root"
inside innovatum-admin update-ca-certificates >/dev/null 2>&1
inside innovatum-admin apt-get update -q >"$WORK/admin-apt.log" 2>&1 || die "apt-get update in the admin root: $WORK/admin-apt.log"

marker="$WORK/.dry-run-marker"
touch "$marker"
sleep 1
inside innovatum-admin /root/innovatum-kiosk/deploy/install-admin.sh --name "$ADMIN_NAME" --dry-run \
    >"$WORK/admin-dry-run.log" 2>&1 || die "install-admin.sh --dry-run failed: $WORK/admin-dry-run.log"
changed="$(changed_files "$admin_root" "$marker")"
[[ -z $changed ]] || die "install-admin.sh --dry-run changed files: $changed"
prove "install-admin.sh --dry-run printed $(grep -c '^would run:' "$WORK/admin-dry-run.log") commands and changed no file"

log "install-admin.sh --name $ADMIN_NAME (apt, pip: minutes)"
inside innovatum-admin /root/innovatum-kiosk/deploy/install-admin.sh --name "$ADMIN_NAME" \
    >"$WORK/admin-install.log" 2>&1 || die "install-admin.sh failed: $WORK/admin-install.log"
tail -n1 "$WORK/admin-install.log"
inside innovatum-admin /root/innovatum-kiosk/deploy/install-admin.sh --name "$ADMIN_NAME" \
    >"$WORK/admin-install-2.log" 2>&1 || die "the second install-admin.sh failed: $WORK/admin-install-2.log"
grep -q "nothing changed" "$WORK/admin-install-2.log" || die "the second run changed something: $WORK/admin-install-2.log"
prove "install-admin.sh installed the admin node on a fresh Debian 12; a second run: $(tail -n1 "$WORK/admin-install-2.log")"

for unit in mosquitto.service innovatum-admin.service innovatum-admin-backup.timer; do
    inside innovatum-admin systemctl is-active --quiet "$unit" || die "$unit is not active in the admin root"
done
prove "systemd runs mosquitto.service, innovatum-admin.service and innovatum-admin-backup.timer"
admin() { inside innovatum-admin innovatum-admin "$@"; }

add_kiosk() {
    local id=$1
    admin kiosk add "$id" --group lobby --location "Proof $id" >/dev/null
    inside innovatum-admin /root/innovatum-kiosk/deploy/install-admin.sh --name "$ADMIN_NAME" >>"$WORK/admin-install-3.log" 2>&1 ||
        die "install-admin.sh after kiosk add failed: $WORK/admin-install-3.log"
    # stdout of the wrapper, redirected by this shell: the bundle is written by root here, not innovatum
    inside innovatum-admin bash -c "umask 077; innovatum-admin kiosk config $id --broker mqtts://$ADMIN_NAME:8883 \
        --ca-cert /etc/innovatum/ca.crt --bundle - > /root/$id.kiosk"
}
add_kiosk lobby-1
admin tenant add acme --name "Acme AB" --floor 2 >/dev/null
admin tenant add beta --name "Beta AB" >/dev/null

# --- 4. an amd64 kiosk ------------------------------------------------------------------------------

kiosk_root="$(fresh_root innovatum-kiosk amd64)"
cp "$admin_root/root/lobby-1.kiosk" "$kiosk_root/root/lobby-1.kiosk"
boot innovatum-kiosk "$kiosk_root"
inside innovatum-kiosk update-ca-certificates >/dev/null 2>&1
inside innovatum-kiosk apt-get update -q >"$WORK/kiosk-apt.log" 2>&1 || die "apt-get update in the kiosk root"
touch "$marker"
sleep 1
inside innovatum-kiosk /root/innovatum-kiosk/deploy/install-kiosk.sh /root/lobby-1.kiosk --mode headless --dry-run \
    >"$WORK/kiosk-dry-run.log" 2>&1 || die "install-kiosk.sh --dry-run failed: $WORK/kiosk-dry-run.log"
changed="$(changed_files "$kiosk_root" "$marker")"
[[ -z $changed ]] || die "install-kiosk.sh --dry-run changed files: $changed"
prove "install-kiosk.sh --dry-run printed $(grep -c '^would run:' "$WORK/kiosk-dry-run.log") commands and changed no file"
log "install-kiosk.sh lobby-1.kiosk --mode headless (apt, pip: minutes)"
inside innovatum-kiosk /root/innovatum-kiosk/deploy/install-kiosk.sh /root/lobby-1.kiosk --mode headless \
    >"$WORK/kiosk-install.log" 2>&1 || die "install-kiosk.sh failed: $WORK/kiosk-install.log"
inside innovatum-kiosk /root/innovatum-kiosk/deploy/install-kiosk.sh /root/lobby-1.kiosk --mode headless \
    >"$WORK/kiosk-install-2.log" 2>&1 || die "the second install-kiosk.sh failed: $WORK/kiosk-install-2.log"
grep -q "nothing changed" "$WORK/kiosk-install-2.log" || die "the second kiosk run changed something: $WORK/kiosk-install-2.log"
prove "install-kiosk.sh installed a headless kiosk from one bundle; a second run: $(tail -n1 "$WORK/kiosk-install-2.log")"

dump() { inside innovatum-kiosk runuser -u innovatum -- /opt/innovatum/bin/innovatum-kiosk dump --config "$KIOSK_CONFIG"; }
names() { dump | python3 -c 'import json,sys; print(",".join(sorted(t["name"] for t in json.load(sys.stdin)["tenants"])))'; }
has_names() { [[ "$(names)" == "$1" ]]; }
wait_for "the kiosk to show Acme AB and Beta AB" 90 has_names "Acme AB,Beta AB"
unit=innovatum-kiosk-headless.service
inside innovatum-kiosk systemctl is-active --quiet "$unit" || die "$unit is not active"
url="$(inside innovatum-kiosk grep -h '^url' "$KIOSK_CONFIG")"
prove "kiosk lobby-1 ($unit under systemd, $url) shows the admin's content"
admin tenant edit acme --name "Acme Omdöpt AB" >/dev/null
admin tenant remove beta >/dev/null
wait_for "the edit and the deletion to reach the kiosk" 60 has_names "Acme Omdöpt AB"
prove "an edit and a deletion on the admin node reached the kiosk"
online() { admin kiosks --json | python3 -c 'import json,sys; sys.exit(not {k["id"]: k for k in json.load(sys.stdin)}["lobby-1"]["online"])'; }
wait_for "the admin node to see lobby-1 online" 60 online
status="$(inside innovatum-kiosk systemctl show -p Type -p WatchdogUSec -p StatusText "$unit" | tr '\n' ' ')"
[[ $status == *"Type=notify"* && $status == *"StatusText=showing revision"* ]] || die "notify status: $status"
prove "systemd sees the kiosk's notify protocol: $status"
before="$(inside innovatum-kiosk systemctl show -p MainPID --value "$unit")"
admin kiosk restart lobby-1
restarted() { after="$(inside innovatum-kiosk systemctl show -p MainPID --value "$unit")" && [[ $after != "$before" && $after != 0 ]]; }
wait_for "systemd to restart the kiosk" 60 restarted
prove "innovatum-admin kiosk restart: the kiosk exited and systemd started it again"
inside innovatum-admin systemctl start innovatum-admin-backup.service || die "the backup unit failed"
backup="$(inside innovatum-admin ls /var/backups/innovatum-admin | tail -n1)"
[[ -n $backup ]] || die "no backup written"
prove "innovatum-admin-backup.service wrote /var/backups/innovatum-admin/$backup"
not_proven+=("the screen mode (cage + foot on tty1 needs a display and a GPU; its unit passes systemd-analyze verify only)")

# --- 5. arm64 ----------------------------------------------------------------------------------------

binfmt=/proc/sys/fs/binfmt_misc/qemu-aarch64
if ((with_arm64)) && [[ ! -e $binfmt ]] && [[ -f /usr/lib/binfmt.d/qemu-aarch64.conf ]]; then
    # qemu-user-static ships the registration; without systemd-binfmt on this machine, load it here.
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
    grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register 2>/dev/null || true
fi
if ((with_arm64)) && [[ -e $binfmt ]] && grep -q enabled "$binfmt"; then
    add_kiosk lobby-2
    arm_root="$(fresh_root innovatum-kiosk-arm64 arm64)"
    cp "$admin_root/root/lobby-2.kiosk" "$arm_root/root/lobby-2.kiosk"
    for fs in proc sys dev; do
        mount --rbind "/$fs" "$arm_root/$fs"
        mounts+=("$arm_root/$fs")
    done
    # SYSTEMD_OFFLINE=1: systemctl edits unit links and ignores start/restart, as in an image build.
    in_arm() {
        chroot "$arm_root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
            LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt SYSTEMD_OFFLINE=1 "$@"
    }
    in_arm update-ca-certificates >/dev/null 2>&1
    log "arm64 root: $(in_arm uname -m), $(in_arm python3 --version 2>/dev/null || echo 'python3 not yet installed')"
    in_arm apt-get update -q >"$WORK/arm64-apt.log" 2>&1 || die "apt-get update in the arm64 root"
    log "install-kiosk.sh lobby-2.kiosk --mode headless under qemu-aarch64 (slow: emulated apt and pip)"
    in_arm /root/innovatum-kiosk/deploy/install-kiosk.sh /root/lobby-2.kiosk --mode headless \
        >"$WORK/arm64-install.log" 2>&1 || die "install-kiosk.sh on arm64 failed: $WORK/arm64-install.log"
    prove "install-kiosk.sh ran in an arm64 Debian 12 root ($(in_arm uname -m), qemu-user-static): $(tail -n1 "$WORK/arm64-install.log")"
    # The headless unit's ExecStart, as its user, with its (empty) environment: systemd cannot be
    # PID 1 under qemu-user.
    exec_start="$(sed -n 's/^ExecStart=//p' "$arm_root/etc/systemd/system/innovatum-kiosk-headless.service")"
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
    chroot "$arm_root" runuser -u innovatum -- env -i PATH=/usr/bin:/bin LANG=C.UTF-8 $exec_start \
        >"$WORK/arm64-kiosk.log" 2>&1 &
    pids+=($!)
    arm_names() {
        chroot "$arm_root" runuser -u innovatum -- /opt/innovatum/bin/innovatum-kiosk dump --config "$KIOSK_CONFIG" |
            python3 -c 'import json,sys; print(",".join(sorted(t["name"] for t in json.load(sys.stdin)["tenants"])))'
    }
    arm_has() { [[ "$(arm_names)" == "Acme Omdöpt AB" ]]; }
    wait_for "the arm64 kiosk to sync" 240 arm_has
    prove "the arm64 kiosk ($exec_start, as innovatum) synced from the admin node over TLS"
    not_proven+=("arm64 under systemd (qemu-user cannot run systemd as PID 1): the unit's ExecStart was run by hand")
else
    log "no qemu-aarch64 binfmt handler here: proving the arm64 wheels resolve instead"
    wheels="$WORK/arm64-wheels"
    rm -rf "$wheels"
    python3 -m pip download --quiet --dest "$wheels" --platform manylinux2014_aarch64 --only-binary=:all: \
        --python-version 3.11 "$SRC" >"$WORK/arm64-wheels.log" 2>&1 ||
        die "some dependency has no aarch64 wheel: $WORK/arm64-wheels.log"
    prove "pip download --platform manylinux2014_aarch64 --only-binary=:all: resolved $(find "$wheels" -name '*.whl' | wc -l) wheels"
    not_proven+=("installing and running on arm64 (no binfmt registration for qemu-aarch64 here)")
fi

# --- summary ------------------------------------------------------------------------------------------

echo
echo "Proven:"
printf '  - %s\n' "${proven[@]}"
echo "Not proven:"
printf '  - %s\n' "${not_proven[@]}"
echo "Logs: $WORK"
