#!/bin/bash
# Turn a Raspberry Pi (Raspberry Pi OS Bookworm) into an Innovatum lobby kiosk.
#
#   sudo deploy/install-kiosk.sh --config kiosk.toml [--mode screen|console|headless]
#                                [--package SPEC] [--no-apt]
#
# Idempotent: rerun it to upgrade the software, replace the config or switch modes. Arguments, files,
# root and Python are checked before anything on the system changes. The config's contents are checked
# by the kiosk's own loader, which needs the software: after the venv is installed, but before the
# config, the user or any unit is touched. Every failure ends in an `error:` line and a non-zero exit.
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
    "kiosk/$SCREEN_UNIT"
    "kiosk/$HEADLESS_UNIT"
    kiosk/pam-innovatum-kiosk
    kiosk/foot.ini
    kiosk/getty-autologin.conf
    kiosk/console-session.sh
)

usage() {
    cat <<EOF
usage: sudo $0 --config kiosk.toml [--mode screen|console|headless] [--package SPEC] [--no-apt]

  --config FILE   the kiosk's config from \`innovatum-admin kiosk config ID --broker URL --out FILE\`
                  (needed on the first install; later runs keep the installed one when omitted)
  --mode MODE     screen (default): cage + foot on tty1, falling back to the Linux console;
                  console: the Linux console on tty1 only; headless: sync without a screen
  --package SPEC  what pip installs into $PREFIX (default: the source tree this script is in)
  --no-apt        do not install Debian packages (python3-venv; cage, foot, fonts for screen mode)
EOF
}

die() {
    echo "error: $*" >&2
    exit 1
}

usage_error() {
    echo "error: $*" >&2
    echo "(run $0 --help for usage)" >&2
    exit 2
}

step() {
    echo "==> $*"
}

config=""
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
        -h | --help) usage && exit 0 ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
done
case "$mode" in
    screen | console | headless) ;;
    *) usage_error "--mode must be screen, console or headless, not '$mode'" ;;
esac

# --- Checks: nothing is changed until all of these pass. ------------------------------------------

[[ $EUID -eq 0 ]] || die "run this as root (sudo $0 ...): it installs packages, a user and systemd units"

if [[ -n $config ]]; then
    [[ -f $config && -r $config ]] || die "cannot read the config file '$config'"
    config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
elif [[ ! -f $CONF_DIR/kiosk.toml ]]; then
    die "--config FILE is needed on the first install (innovatum-admin kiosk config ID --broker URL --out kiosk.toml)"
fi

if [[ -z $package ]]; then
    [[ -f $HERE/../pyproject.toml ]] ||
        die "no --package given and $HERE/.. is not the innovatum-kiosk source tree"
    package="$(cd "$HERE/.." && pwd)"
fi

for file in "${DEPLOY_FILES[@]}"; do
    [[ -f $HERE/$file ]] || die "missing $HERE/$file: run the script from a complete deploy/ directory"
done

command -v python3 >/dev/null || die "python3 is not installed"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "python3 is $(python3 -c 'import platform; print(platform.python_version())'); 3.11 or newer is needed"
command -v systemctl >/dev/null || die "systemctl not found: this script needs a systemd system"

if [[ -r /etc/os-release ]]; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [[ $codename == bookworm ]] || echo "warning: written for Raspberry Pi OS Bookworm, this is '${codename:-unknown}'" >&2
fi

# --- Software ---------------------------------------------------------------------------------------

if ((use_apt)); then
    packages=(python3-venv)
    [[ $mode == screen ]] && packages+=(cage foot fonts-dejavu-core)
    step "installing Debian packages: ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null ||
        die "apt-get could not install ${packages[*]} (try: apt-get update)"
fi
if [[ $mode == screen ]]; then
    for binary in /usr/bin/cage /usr/bin/foot; do
        [[ -x $binary ]] || die "$binary is missing (install cage and foot, or drop --no-apt)"
    done
fi

if [[ ! -x $PREFIX/bin/python ]]; then
    step "creating the virtual environment $PREFIX"
    python3 -m venv "$PREFIX" || die "could not create the virtual environment $PREFIX"
fi
step "installing innovatum-kiosk from $package"
"$PREFIX/bin/pip" install --quiet --upgrade "$package" || die "pip could not install '$package'"
[[ -x $PREFIX/bin/innovatum-kiosk ]] || die "$PREFIX/bin/innovatum-kiosk is missing after pip install"

# The config is checked by the kiosk's own loader before it replaces a working one.
check_config() {
    "$PREFIX/bin/python" - "$1" <<'PY'
import sys
from pathlib import Path

from kiosk.config import ConfigError, load

try:
    print(load(Path(sys.argv[1])).database)
except ConfigError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}
if [[ -n $config ]]; then
    database="$(check_config "$config")" || die "the config $config was not installed (see the line above)"
else
    database="$(check_config "$CONF_DIR/kiosk.toml")" || die "the installed $CONF_DIR/kiosk.toml is not valid"
fi
[[ $database == "$STATE_DIR"/* ]] ||
    echo "warning: the replica $database is outside $STATE_DIR; headless mode can only write there" >&2

# --- User, directories, config ----------------------------------------------------------------------

if ! id "$KIOSK_USER" >/dev/null 2>&1; then
    step "creating the user $KIOSK_USER"
    useradd --system --user-group --create-home --home-dir "$DEFAULT_HOME" --shell /bin/bash \
        --comment "Innovatum kiosk" "$KIOSK_USER"
fi
kiosk_home="$(getent passwd "$KIOSK_USER" | cut -d: -f6)"
[[ -d $kiosk_home ]] || die "the home directory of $KIOSK_USER ($kiosk_home) does not exist"
for group in video render input; do
    if getent group "$group" >/dev/null && ! id -nG "$KIOSK_USER" | grep -qw "$group"; then
        usermod -aG "$group" "$KIOSK_USER"
    fi
done

install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 "$STATE_DIR" "$(dirname "$database")"
install -d -o root -g root -m 0755 "$CONF_DIR" "$LIB_DIR"
if [[ -n $config ]]; then
    step "installing the config as $CONF_DIR/kiosk.toml"
    # It holds the kiosk's broker password: readable by root and the kiosk user only.
    install -o root -g "$KIOSK_USER" -m 0640 "$config" "$CONF_DIR/kiosk.toml"
fi
install -o root -g root -m 0644 "$HERE/kiosk/foot.ini" "$CONF_DIR/foot.ini"

# --- Session files and units ------------------------------------------------------------------------

step "installing the systemd units ($mode mode)"
install -o root -g root -m 0644 "$HERE/kiosk/$SCREEN_UNIT" "$UNIT_DIR/$SCREEN_UNIT"
install -o root -g root -m 0644 "$HERE/kiosk/$HEADLESS_UNIT" "$UNIT_DIR/$HEADLESS_UNIT"
install -o root -g root -m 0644 "$HERE/kiosk/pam-innovatum-kiosk" /etc/pam.d/innovatum-kiosk
install -o root -g root -m 0755 "$HERE/kiosk/console-session.sh" "$LIB_DIR/console-session"
profile="$(mktemp)"
cat >"$profile" <<EOF
# Written by install-kiosk.sh: a login on tty1 (getty autologin) is the kiosk itself.
if [ "\$(tty)" = /dev/tty1 ]; then exec $LIB_DIR/console-session; fi
[ -f ~/.bashrc ] && . ~/.bashrc
EOF
install -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0644 "$profile" "$kiosk_home/.bash_profile"
rm -f "$profile"

if [[ $mode == headless ]]; then
    rm -f "$GETTY_DROPIN"
else
    install -D -o root -g root -m 0644 "$HERE/kiosk/getty-autologin.conf" "$GETTY_DROPIN"
fi
systemctl daemon-reload

case "$mode" in
    screen)
        systemctl disable --now "$HEADLESS_UNIT" >/dev/null 2>&1 || true
        systemctl enable "$SCREEN_UNIT" >/dev/null 2>&1 || die "systemctl could not enable $SCREEN_UNIT"
        systemctl set-default graphical.target >/dev/null 2>&1 || die "could not make graphical.target the default"
        systemctl restart "$SCREEN_UNIT" || die "$SCREEN_UNIT did not start (journalctl -u $SCREEN_UNIT)"
        ;;
    console)
        systemctl disable --now "$SCREEN_UNIT" "$HEADLESS_UNIT" >/dev/null 2>&1 || true
        systemctl restart getty@tty1.service || die "getty@tty1 did not restart (journalctl -u getty@tty1)"
        ;;
    headless)
        systemctl disable --now "$SCREEN_UNIT" >/dev/null 2>&1 || true
        systemctl enable "$HEADLESS_UNIT" >/dev/null 2>&1 || die "systemctl could not enable $HEADLESS_UNIT"
        systemctl restart "$HEADLESS_UNIT" || die "$HEADLESS_UNIT did not start (journalctl -u $HEADLESS_UNIT)"
        systemctl restart getty@tty1.service || true  # back to a plain login prompt
        ;;
esac

step "done: the kiosk runs in $mode mode (logs: journalctl -u innovatum-kiosk-*)"
