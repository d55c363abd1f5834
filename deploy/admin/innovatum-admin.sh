#!/bin/bash
# `innovatum-admin` for the people who administer this server: runs the real command as the service
# user, with the database and broker from /etc/innovatum/admin.env, from any directory.
# Installed as /usr/local/bin/innovatum-admin by install-admin.sh.
#
# Output files (`kiosk config ... --bundle -`) are best written to stdout and
# redirected by your own shell: the service user may not write your current directory.
set -euo pipefail

readonly ENV_FILE=/etc/innovatum/admin.env
readonly ADMIN=/opt/innovatum/bin/innovatum-admin
readonly SERVICE_USER=innovatum

[[ -r $ENV_FILE ]] || {
    echo "error: cannot read $ENV_FILE (run deploy/install-admin.sh first)" >&2
    exit 1
}
set -a
# shellcheck source-path=SCRIPTDIR source=admin.env
. "$ENV_FILE"
set +a
if [[ "$(id -un)" == "$SERVICE_USER" ]]; then
    exec "$ADMIN" "$@"
fi
if [[ $EUID -ne 0 ]]; then
    exec sudo -u "$SERVICE_USER" env INNOVATUM_ADMIN_DB="$INNOVATUM_ADMIN_DB" \
        INNOVATUM_BROKER="$INNOVATUM_BROKER" INNOVATUM_ACTOR="$(id -un)" "$ADMIN" "$@"
fi
exec runuser -u "$SERVICE_USER" -- env INNOVATUM_ADMIN_DB="$INNOVATUM_ADMIN_DB" \
    INNOVATUM_BROKER="$INNOVATUM_BROKER" INNOVATUM_ACTOR="${SUDO_USER:-root}" "$ADMIN" "$@"
