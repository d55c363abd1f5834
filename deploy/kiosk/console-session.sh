#!/bin/bash
# The kiosk on the Linux console: run from the kiosk user's ~/.bash_profile on tty1 (getty autologin).
# Installed as /usr/local/lib/innovatum-kiosk/console-session by install-kiosk.sh.
# Restarts the kiosk if it exits, with a pause so a broken install does not spin the CPU.
set -uo pipefail

readonly KIOSK=/opt/innovatum/bin/innovatum-kiosk
readonly CONFIG=/etc/innovatum-kiosk/kiosk.toml

setterm --blank 0 --powerdown 0 --cursor off 2>/dev/null || true
export TERM=linux
while true; do
    "$KIOSK" --config "$CONFIG"
    status=$?
    echo "innovatum-kiosk exited with status $status; restarting in 5 seconds" >&2
    sleep 5
done
