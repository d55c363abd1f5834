#!/bin/bash
# Turn a Raspberry Pi (Raspberry Pi OS Bookworm) into an Innovatum lobby kiosk.
#
#   sudo deploy/install-kiosk.sh lobby-1.kiosk [--mode screen|console|headless] [--dry-run]
#   sudo deploy/install-kiosk.sh --config kiosk.toml [--mode ...] [--package SPEC] [--no-apt]
#
# lobby-1.kiosk is the bundle `innovatum-admin kiosk config lobby-1 --broker URL --bundle FILE
# --ca-cert CA` writes: the config and the broker's CA certificate in one file.
#
# Idempotent: rerun it to upgrade the software, replace the config or switch modes; a run that finds
# everything as asked changes nothing and says so. --dry-run prints every change it would make and
# makes none. Arguments, files, root and Python are checked before anything on the system changes.
# The config's contents are checked by the kiosk's own loader, which needs the software: after the
# venv is installed, but before the config, the user or any unit is touched. Every failure ends in an
# `error:` line and a non-zero exit.
set -euo pipefail

readonly PREFIX=/opt/innovatum
readonly CONF_DIR=/etc/innovatum-kiosk
readonly STATE_DIR=/var/lib/innovatum-kiosk
readonly LIB_DIR=/usr/local/lib/innovatum-kiosk
readonly UNIT_DIR=/etc/systemd/system
readonly GETTY_DROPIN=/etc/systemd/system/getty@tty1.service.d/innovatum-kiosk.conf
readonly KIOSK_USER=innovatum
readonly DEFAULT_HOME=/home/innovatum
readonly SCREEN_UNIT=innovatum-kiosk-screen.service
readonly HEADLESS_UNIT=innovatum-kiosk-headless.service
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly DEPLOY_FILES=(
    common.sh
    "kiosk/$SCREEN_UNIT"
    "kiosk/$HEADLESS_UNIT"
    kiosk/pam-innovatum-kiosk
    kiosk/foot.ini
    kiosk/getty-autologin.conf
    kiosk/console-session.sh
)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$HERE/common.sh"

usage() {
    cat <<EOF
usage: sudo $0 BUNDLE [--mode screen|console|headless] [--dry-run]
       sudo $0 --config kiosk.toml [--mode MODE] [--package SPEC] [--no-apt] [--dry-run]

  BUNDLE          the kiosk's bundle from \`innovatum-admin kiosk config ID --broker URL --bundle FILE
                  --ca-cert CA\`: its config and the broker's CA certificate in one file
  --config FILE   the kiosk's config alone (\`kiosk config ID --broker URL --out FILE\`); needed on the
                  first install unless a bundle is given; later runs keep the installed one
  --mode MODE     screen (default): cage + foot on tty1, falling back to the Linux console;
                  console: the Linux console on tty1 only; headless: sync without a screen
  --package SPEC  what pip installs into $PREFIX (default: the source tree this script is in)
  --no-apt        do not install Debian packages (python3-venv; cage, foot, fonts for screen mode)
  --dry-run       print every change this run would make, and make none
EOF
}

config=""
bundle=""
mode=screen
package=""
use_apt=1
while (($#)); do
    case "$1" in
        --config | --mode | --package)
            (($# >= 2)) || usage_error "$1 needs a value"
            case "$1" in
                --config) config="$2" ;;
                --mode) mode="$2" ;;
                --package) package="$2" ;;
            esac
            shift 2
            ;;
        --config=*) config="${1#*=}" && shift ;;
        --mode=*) mode="${1#*=}" && shift ;;
        --package=*) package="${1#*=}" && shift ;;
        --no-apt) use_apt=0 && shift ;;
        --dry-run) dry_run=1 && shift ;;
        -h | --help) usage && exit 0 ;;
        -*) usage_error "unknown argument '$1'" ;;
        *)
            [[ -z $bundle ]] || usage_error "one bundle at a time ('$bundle', then '$1')"
            bundle="$1" && shift
            ;;
    esac
done
case "$mode" in
    screen | console | headless) ;;
    *) usage_error "--mode must be screen, console or headless, not '$mode'" ;;
esac
[[ -z $bundle || -z $config ]] || usage_error "give a bundle or --config, not both"

# --- Checks: nothing is changed until all of these pass. ------------------------------------------

[[ $EUID -eq 0 ]] || die "run this as root (sudo $0 ...): it installs packages, a user and systemd units"

ca_cert=""
getty_back=0
if [[ -n $bundle ]]; then
    [[ -f $bundle && -r $bundle ]] || die "cannot read the bundle '$bundle'"
    unpacked="$(mktemp -d)"
    trap 'find "$unpacked" -delete 2>/dev/null || true' EXIT
    tar -xzf "$bundle" -C "$unpacked" --no-same-owner --no-same-permissions kiosk.toml 2>/dev/null ||
        die "'$bundle' is not a kiosk bundle (innovatum-admin kiosk config ID --broker URL --bundle FILE)"
    tar -xzf "$bundle" -C "$unpacked" --no-same-owner ca.crt 2>/dev/null || true
    config="$unpacked/kiosk.toml"
    [[ -f $unpacked/ca.crt ]] && ca_cert="$unpacked/ca.crt"
elif [[ -n $config ]]; then
    [[ -f $config && -r $config ]] || die "cannot read the config file '$config'"
    config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
elif [[ ! -f $CONF_DIR/kiosk.toml ]]; then
    die "a bundle (or --config FILE) is needed on the first install (innovatum-admin kiosk config ID --broker URL --bundle FILE)"
fi

if [[ -z $package ]]; then
    [[ -f $HERE/../pyproject.toml ]] ||
        die "no --package given and $HERE/.. is not the innovatum-kiosk source tree"
    package="$(cd "$HERE/.." && pwd)"
fi

for file in "${DEPLOY_FILES[@]}"; do
    [[ -f $HERE/$file ]] || die "missing $HERE/$file: run the script from a complete deploy/ directory"
done

check_python() {
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "python3 is $(python3 -c 'import platform; print(platform.python_version())'); 3.11 or newer is needed"
}
# A minimal Debian has no python3 until python3-venv brings it; Raspberry Pi OS has it from the start.
if command -v python3 >/dev/null; then
    check_python
elif ((!use_apt)); then
    die "python3 is not installed (drop --no-apt to install it)"
fi
command -v systemctl >/dev/null || die "systemctl not found: this script needs a systemd system"

if [[ -r /etc/os-release ]]; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [[ $codename == bookworm ]] || echo "warning: written for Raspberry Pi OS Bookworm, this is '${codename:-unknown}'" >&2
fi
((dry_run)) && step "dry run: printing what would change, changing nothing"

# --- Software ---------------------------------------------------------------------------------------

if ((use_apt)); then
    packages=(python3-venv)
    [[ $mode == screen ]] && packages+=(cage foot fonts-dejavu-core)
    apt_install "${packages[@]}"
fi
((dry_run)) || check_python
if [[ $mode == screen ]] && ((!dry_run)); then
    for binary in /usr/bin/cage /usr/bin/foot; do
        [[ -x $binary ]] || die "$binary is missing (install cage and foot, or drop --no-apt)"
    done
fi

pip_install "$PREFIX" "$package"
((dry_run)) || [[ -x $PREFIX/bin/innovatum-kiosk ]] || die "$PREFIX/bin/innovatum-kiosk is missing after pip install"

# The config is checked by the kiosk's own loader before it replaces a working one. It prints the
# replica's path and the broker's host.
check_config() {
    "$PREFIX/bin/python" - "$1" <<'PY'
import sys
from pathlib import Path

from kiosk.config import ConfigError, load

try:
    config = load(Path(sys.argv[1]))
except ConfigError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
print(config.database)
print(config.broker.host)
PY
}
target_config="${config:-$CONF_DIR/kiosk.toml}"
if [[ -x $PREFIX/bin/python ]]; then
    checked="$(check_config "$target_config")" || die "the config $target_config was not installed (see the line above)"
    database="$(sed -n 1p <<<"$checked")"
    broker_host="$(sed -n 2p <<<"$checked")"
else
    echo "would check the config with the kiosk's own loader once the software is installed"
    database="$STATE_DIR/replica.db"
    broker_host=""
fi
[[ $database == "$STATE_DIR"/* ]] ||
    echo "warning: the replica $database is outside $STATE_DIR; headless mode can only write there" >&2
# The kiosk must find the server by the name in its config (and the TLS certificate is for that name).
if [[ -n $broker_host ]] && ! getent hosts "$broker_host" >/dev/null; then
    echo "warning: this machine cannot resolve the broker's name '$broker_host': add it to DNS or to" \
        "/etc/hosts (e.g. '192.0.2.10 $broker_host'); the kiosk keeps retrying until it can" >&2
fi

# --- User, directories, config ----------------------------------------------------------------------

if ! id "$KIOSK_USER" >/dev/null 2>&1; then
    step "creating the user $KIOSK_USER"
    run useradd --system --user-group --create-home --home-dir "$DEFAULT_HOME" --shell /bin/bash \
        --comment "Innovatum kiosk" "$KIOSK_USER"
fi
kiosk_home="$(getent passwd "$KIOSK_USER" | cut -d: -f6 || true)"
kiosk_home="${kiosk_home:-$DEFAULT_HOME}"
((dry_run)) || [[ -d $kiosk_home ]] || die "the home directory of $KIOSK_USER ($kiosk_home) does not exist"
for group in video render input; do
    if getent group "$group" >/dev/null && ! id -nG "$KIOSK_USER" 2>/dev/null | grep -qw "$group"; then
        run usermod -aG "$group" "$KIOSK_USER"
    fi
done

step "files"
install_dir "$STATE_DIR" 0750 "$KIOSK_USER" "$KIOSK_USER"
install_dir "$(dirname "$database")" 0750 "$KIOSK_USER" "$KIOSK_USER"
install_dir "$CONF_DIR" 0755 root root
install_dir "$LIB_DIR" 0755 root root
if [[ -n $config ]]; then
    # It holds the kiosk's broker password: readable by root and the kiosk user only.
    install_file "$config" "$CONF_DIR/kiosk.toml" 0640 root "$KIOSK_USER"
fi
[[ -z $ca_cert ]] || install_file "$ca_cert" "$CONF_DIR/ca.crt" 0644 root root
install_file "$HERE/kiosk/foot.ini" "$CONF_DIR/foot.ini" 0644 root root

# --- Session files and units ------------------------------------------------------------------------

before_units=$changes
install_file "$HERE/kiosk/$SCREEN_UNIT" "$UNIT_DIR/$SCREEN_UNIT" 0644 root root
install_file "$HERE/kiosk/$HEADLESS_UNIT" "$UNIT_DIR/$HEADLESS_UNIT" 0644 root root
install_file "$HERE/kiosk/pam-innovatum-kiosk" /etc/pam.d/innovatum-kiosk 0644 root root
install_file "$HERE/kiosk/console-session.sh" "$LIB_DIR/console-session" 0755 root root
install_text "$kiosk_home/.bash_profile" 0644 "$KIOSK_USER" "$KIOSK_USER" <<EOF
# Written by install-kiosk.sh: a login on tty1 (getty autologin) is the kiosk itself.
if [ "\$(tty)" = /dev/tty1 ]; then exec $LIB_DIR/console-session; fi
[ -f ~/.bashrc ] && . ~/.bashrc
EOF
if [[ $mode == headless ]]; then
    if [[ -e $GETTY_DROPIN ]]; then
        run rm -f "$GETTY_DROPIN"
        getty_back=1 # tty1 goes back to a plain login prompt below
    fi
else
    install_file "$HERE/kiosk/getty-autologin.conf" "$GETTY_DROPIN" 0644 root root
fi
units_changed=$((changes - before_units))
((units_changed == 0)) || run systemctl daemon-reload

# Restart what runs when anything it uses changed in this run, or when it is not running.
restart_if_needed() {
    if ((changes > 0)) || ! systemctl is-active --quiet "$1"; then
        run systemctl restart "$1" || die "$1 did not start (journalctl -u $1)"
    fi
}
step "the $mode mode"
case "$mode" in
    screen)
        ! systemctl is-enabled --quiet "$HEADLESS_UNIT" 2>/dev/null ||
            run systemctl disable --now --quiet "$HEADLESS_UNIT"
        enable_unit "$SCREEN_UNIT"
        [[ "$(systemctl get-default 2>/dev/null)" == graphical.target ]] ||
            run systemctl set-default graphical.target || die "could not make graphical.target the default"
        restart_if_needed "$SCREEN_UNIT"
        ;;
    console)
        for unit in "$SCREEN_UNIT" "$HEADLESS_UNIT"; do
            ! systemctl is-enabled --quiet "$unit" 2>/dev/null || run systemctl disable --now --quiet "$unit"
        done
        restart_if_needed getty@tty1.service
        ;;
    headless)
        ! systemctl is-enabled --quiet "$SCREEN_UNIT" 2>/dev/null ||
            run systemctl disable --now --quiet "$SCREEN_UNIT"
        enable_unit "$HEADLESS_UNIT"
        restart_if_needed "$HEADLESS_UNIT"
        ((!getty_back)) || run systemctl restart getty@tty1.service || true
        ;;
esac

finish "the kiosk ($mode mode; logs: journalctl -u innovatum-kiosk-*)"
