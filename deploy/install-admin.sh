#!/bin/bash
# Turn a Debian 12 (bookworm) server into the Innovatum admin node: Mosquitto with the generated
# configuration and TLS, the `innovatum-admin serve` daemon, nightly backups.
#
#   sudo deploy/install-admin.sh --name admin.innovatum.lan [--cert C --key K [--ca CA]]
#                                [--package SPEC] [--no-apt] [--dry-run]
#
# Idempotent: rerun it to upgrade the software, or after `innovatum-admin kiosk add/remove` to
# regenerate the broker's accounts and reload it; a run that finds everything as asked changes
# nothing and says so. --dry-run prints every change it would make and makes none. Every failure ends
# in an `error:` line and a non-zero exit; arguments, root and files are checked before anything
# changes.
set -euo pipefail

readonly PREFIX=/opt/innovatum
readonly ETC=/etc/innovatum
readonly STATE_DIR=/var/lib/innovatum-admin
readonly BACKUP_DIR=/var/backups/innovatum-admin
readonly BROKER_DIR=/etc/mosquitto/innovatum
readonly TLS_DIR=/etc/mosquitto/innovatum-tls
readonly UNIT_DIR=/etc/systemd/system
readonly MOSQUITTO_DROPIN=/etc/systemd/system/mosquitto.service.d/innovatum.conf
readonly SERVICE_USER=innovatum
readonly ADMIN_UNIT=innovatum-admin.service
readonly BACKUP_UNIT=innovatum-admin-backup.service
readonly BACKUP_TIMER=innovatum-admin-backup.timer
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly DEPLOY_FILES=(
    common.sh
    admin/admin.env
    admin/innovatum-admin.sh
    "admin/$ADMIN_UNIT"
    "admin/$BACKUP_UNIT"
    "admin/$BACKUP_TIMER"
    admin/mosquitto-innovatum.conf
)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$HERE/common.sh"

usage() {
    cat <<EOF
usage: sudo $0 --name HOST [--cert FILE --key FILE [--ca FILE]] [--package SPEC] [--no-apt] [--dry-run]

  --name HOST     the name (or IP address) kiosks use to reach this server; the broker's TLS
                  certificate is made for it. Every kiosk must resolve it (DNS or /etc/hosts).
  --cert FILE     the organisation's certificate for HOST, instead of a CA made here
  --key FILE      its private key
  --ca FILE       the CA that signed it (what kiosks must trust), if not a public one
  --package SPEC  what pip installs into $PREFIX (default: the source tree this script is in)
  --no-apt        do not install Debian packages (mosquitto, python3-venv, openssl)
  --dry-run       print every change this run would make, and make none

Rerun it after \`innovatum-admin kiosk add\` or \`kiosk remove\`: it regenerates the broker's
accounts and reloads Mosquitto. The CA certificate kiosks need is published as $ETC/ca.crt.
EOF
}

name=""
cert=""
key=""
ca=""
package=""
use_apt=1
while (($#)); do
    case "$1" in
        --name | --cert | --key | --ca | --package)
            (($# >= 2)) || usage_error "$1 needs a value"
            case "$1" in
                --name) name="$2" ;;
                --cert) cert="$2" ;;
                --key) key="$2" ;;
                --ca) ca="$2" ;;
                --package) package="$2" ;;
            esac
            shift 2
            ;;
        --no-apt) use_apt=0 && shift ;;
        --dry-run) dry_run=1 && shift ;;
        -h | --help) usage && exit 0 ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
done
[[ -n $name ]] || usage_error "--name HOST is required (the name kiosks use to reach this server)"
[[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || usage_error "--name '$name' is not a host name"
[[ -z $cert && -z $key ]] || [[ -n $cert && -n $key ]] || usage_error "--cert and --key go together"
[[ -z $ca || -n $cert ]] || usage_error "--ca needs --cert and --key"

# --- Checks: nothing is changed until all of these pass. ------------------------------------------

[[ $EUID -eq 0 ]] || die "run this as root (sudo $0 ...): it installs packages, users, TLS and systemd units"
for file in $cert $key $ca; do
    [[ -f $file && -r $file ]] || die "cannot read '$file'"
done
if [[ -z $package ]]; then
    [[ -f $HERE/../pyproject.toml ]] ||
        die "no --package given and $HERE/.. is not the innovatum-kiosk source tree"
    package="$(cd "$HERE/.." && pwd)"
fi
for file in "${DEPLOY_FILES[@]}"; do
    [[ -f $HERE/$file ]] || die "missing $HERE/$file: run the script from a complete deploy/ directory"
done
command -v systemctl >/dev/null || die "systemctl not found: this script needs a systemd system"
if [[ -r /etc/os-release ]]; then
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [[ $codename == bookworm ]] || echo "warning: written for Debian 12 (bookworm), this is '${codename:-unknown}'" >&2
fi
((dry_run)) && step "dry run: printing what would change, changing nothing"

# --- Software ---------------------------------------------------------------------------------------

if ((use_apt)); then
    apt_install mosquitto python3-venv openssl
fi
if ((!dry_run)); then
    command -v python3 >/dev/null || die "python3 is not installed"
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 3.11 or newer is needed"
    [[ -x /usr/sbin/mosquitto ]] || die "mosquitto is not installed (drop --no-apt)"
    command -v openssl >/dev/null || die "openssl is not installed (drop --no-apt)"
fi

if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    step "creating the system user $SERVICE_USER"
    run useradd --system --user-group --home-dir "$STATE_DIR" --shell /usr/sbin/nologin \
        --comment "Innovatum admin node" "$SERVICE_USER"
fi
step "directories and the software"
install_dir "$STATE_DIR" 0750 "$SERVICE_USER" "$SERVICE_USER"
install_dir "$BACKUP_DIR" 0750 "$SERVICE_USER" "$SERVICE_USER"
install_dir "$ETC" 0755 root root
pip_install "$PREFIX" "$package"
install_file "$HERE/admin/admin.env" "$ETC/admin.env" 0644 root root
install_file "$HERE/admin/innovatum-admin.sh" /usr/local/bin/innovatum-admin 0755 root root

# As the service user, with the service's environment: what every later command uses.
as_service() {
    runuser -u "$SERVICE_USER" -- env INNOVATUM_ADMIN_DB="$STATE_DIR/admin.db" INNOVATUM_ACTOR=install-admin \
        "$PREFIX/bin/innovatum-admin" "$@"
}
if [[ ! -f $STATE_DIR/admin.db || ! -f $STATE_DIR/admin.key ]]; then
    step "creating the admin database and its signing key"
    if ((dry_run)); then
        run innovatum-admin init
    else
        run as_service init >/dev/null || die "innovatum-admin init failed"
    fi
fi

# --- TLS ----------------------------------------------------------------------------------------------

step "TLS for $name"
mosquitto_group=mosquitto
((dry_run)) && ! getent group mosquitto >/dev/null && mosquitto_group=root # before apt in a dry run
install_dir "$TLS_DIR" 0750 root "$mosquitto_group"
if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
    san="IP:$name"
    check=(-checkip "$name")
else
    san="DNS:$name"
    check=(-checkhost "$name")
fi
if [[ -n $cert ]]; then
    install_file "$cert" "$TLS_DIR/server.crt" 0644 root root
    install_file "$key" "$TLS_DIR/server.key" 0640 root "$mosquitto_group"
    [[ -z $ca ]] || install_file "$ca" "$TLS_DIR/ca.crt" 0644 root root
else
    if [[ ! -f $TLS_DIR/ca.crt || ! -f $TLS_DIR/ca.key ]]; then
        echo "    a small CA of this installation: $TLS_DIR/ca.crt"
        run openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 3650 \
            -subj "/CN=Innovatum kiosk CA ($name)" -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.crt" 2>/dev/null
        run chmod 0600 "$TLS_DIR/ca.key"
    fi
    if [[ ! -f $TLS_DIR/server.crt ]] ||
        ! openssl x509 -in "$TLS_DIR/server.crt" -noout "${check[@]}" 2>/dev/null | grep -q ' does match' ||
        ! openssl verify -CAfile "$TLS_DIR/ca.crt" "$TLS_DIR/server.crt" >/dev/null 2>&1; then
        echo "    the broker's certificate for $name: $TLS_DIR/server.crt"
        extension="$(mktemp)"
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$extension"
        run openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=$name" \
            -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" 2>/dev/null
        run openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
            -CAcreateserial -days 825 -extfile "$extension" -out "$TLS_DIR/server.crt" 2>/dev/null
        rm -f "$extension"
        run chgrp "$mosquitto_group" "$TLS_DIR/server.key"
        run chmod 0640 "$TLS_DIR/server.key"
    fi
fi
# Kiosks need the CA certificate; it is public, so it is published readable for everyone (the TLS
# directory is not), where `innovatum-admin kiosk config --ca-cert` finds it.
if [[ -f $TLS_DIR/ca.crt ]]; then
    install_file "$TLS_DIR/ca.crt" "$ETC/ca.crt" 0644 root root
elif ((!dry_run)) && [[ -e $ETC/ca.crt ]]; then
    run rm -f "$ETC/ca.crt" # a public CA signed the organisation's certificate: kiosks trust it already
fi

# --- Mosquitto ------------------------------------------------------------------------------------------

# broker-config runs as root (it hands the password file and ACL to the mosquitto group). It is
# generated into a scratch directory first: only if the accounts or the listeners differ from what is
# installed is the real one rewritten (the password file's salted hashes differ on every run, so
# comparing the ACL, which lists every account, and the config is what tells a change).
broker_args=(--tls-cert "$TLS_DIR/server.crt" --tls-key "$TLS_DIR/server.key")
[[ -z $ca || ! -f $TLS_DIR/ca.crt ]] || broker_args+=(--tls-ca "$TLS_DIR/ca.crt")
broker_changed=0
if ((dry_run)); then
    [[ -f $BROKER_DIR/mosquitto.conf ]] || broker_changed=1
else
    scratch="$(mktemp -d)"
    chmod 0755 "$scratch" # mosquitto, once it drops root, must reach it (broker-config checks)
    env INNOVATUM_ADMIN_DB="$STATE_DIR/admin.db" INNOVATUM_ACTOR=install-admin \
        "$PREFIX/bin/innovatum-admin" broker-config --out "$scratch" "${broker_args[@]}" >/dev/null ||
        die "innovatum-admin broker-config failed"
    sed -i "s|$scratch|$BROKER_DIR|g" "$scratch/mosquitto.conf"
    if ! cmp -s "$scratch/acl" "$BROKER_DIR/acl" 2>/dev/null ||
        ! cmp -s "$scratch/mosquitto.conf" "$BROKER_DIR/mosquitto.conf" 2>/dev/null; then
        broker_changed=1
    fi
    rm -rf "$scratch"
    # broker-config, run as root, may have created the database's -wal/-shm: give them back.
    find "$STATE_DIR" -maxdepth 1 -name 'admin.db*' ! -user "$SERVICE_USER" -exec chown "$SERVICE_USER:$SERVICE_USER" {} +
fi
if ((broker_changed)); then
    step "the broker's configuration, accounts and ACL: $BROKER_DIR"
    install_dir "$BROKER_DIR" 0755 root root
    run env INNOVATUM_ADMIN_DB="$STATE_DIR/admin.db" INNOVATUM_ACTOR=install-admin \
        "$PREFIX/bin/innovatum-admin" broker-config --out "$BROKER_DIR" "${broker_args[@]}" ||
        die "innovatum-admin broker-config failed"
    ((dry_run)) || find "$STATE_DIR" -maxdepth 1 -name 'admin.db*' ! -user "$SERVICE_USER" \
        -exec chown "$SERVICE_USER:$SERVICE_USER" {} +
fi

step "systemd units"
before_units=$changes
install_file "$HERE/admin/mosquitto-innovatum.conf" "$MOSQUITTO_DROPIN" 0644 root root
install_file "$HERE/admin/$ADMIN_UNIT" "$UNIT_DIR/$ADMIN_UNIT" 0644 root root
install_file "$HERE/admin/$BACKUP_UNIT" "$UNIT_DIR/$BACKUP_UNIT" 0644 root root
install_file "$HERE/admin/$BACKUP_TIMER" "$UNIT_DIR/$BACKUP_TIMER" 0644 root root
units_changed=$((changes - before_units))
((units_changed == 0)) || run systemctl daemon-reload

enable_unit mosquitto.service
enable_unit "$ADMIN_UNIT"
enable_unit "$BACKUP_TIMER"
if ((units_changed)) || ! systemctl is-active --quiet mosquitto.service; then
    run systemctl restart mosquitto.service || die "mosquitto did not start (journalctl -u mosquitto)"
elif ((broker_changed)); then
    run systemctl reload mosquitto.service || die "mosquitto did not reload (journalctl -u mosquitto)"
fi
if ((changes)) || ! systemctl is-active --quiet "$ADMIN_UNIT"; then
    run systemctl restart "$ADMIN_UNIT" || die "$ADMIN_UNIT did not start (journalctl -u $ADMIN_UNIT)"
fi
systemctl is-active --quiet "$BACKUP_TIMER" || run systemctl start "$BACKUP_TIMER"

finish "the admin node for $name (kiosks: innovatum-admin kiosk config ID --broker mqtts://$name:8883 --bundle - --ca-cert $ETC/ca.crt > ID.kiosk)"
