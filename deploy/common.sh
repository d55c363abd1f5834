#!/bin/bash
# Shared by install-admin.sh and install-kiosk.sh (sourced, never run): one-line errors, dry runs and
# idempotent changes. Every helper that changes the system goes through `run`, which under --dry-run
# prints the command instead, and counts what it changed, so a second run can say "nothing changed".
set -euo pipefail

dry_run=0
changes=0

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

# Run a command that changes the system (or only print it, with --dry-run).
run() {
    changes=$((changes + 1))
    if ((dry_run)); then
        printf 'would run:'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

# The Debian packages of "$@" that are not installed yet.
missing_packages() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done
}

apt_install() {
    local missing
    mapfile -t missing < <(missing_packages "$@")
    if ((${#missing[@]})); then
        step "installing Debian packages: ${missing[*]}"
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
            die "apt-get could not install ${missing[*]} (try: apt-get update)"
    fi
}

# install_file SRC DEST MODE OWNER GROUP: copy SRC unless DEST already has that content, mode and owner.
install_file() {
    local src=$1 dest=$2 mode=$3 owner=$4 group=$5
    if [[ -f $dest ]] && cmp -s "$src" "$dest" &&
        [[ "$(stat -c '%a %U %G' "$dest")" == "${mode#0} $owner $group" ]]; then
        return 0
    fi
    echo "    $dest"
    run install -D -o "$owner" -g "$group" -m "$mode" "$src" "$dest"
}

# install_text DEST MODE OWNER GROUP < text: the same for generated content.
install_text() {
    local tmp
    tmp="$(mktemp)"
    cat >"$tmp"
    install_file "$tmp" "$@"
    rm -f "$tmp"
}

# install_dir DIR MODE OWNER GROUP
install_dir() {
    local dir=$1 mode=$2 owner=$3 group=$4
    if [[ -d $dir && "$(stat -c '%a %U %G' "$dir")" == "${mode#0} $owner $group" ]]; then
        return 0
    fi
    run install -d -o "$owner" -g "$group" -m "$mode" "$dir"
}

# A digest of what pip would install from SPEC: a source tree's files, or a wheel's bytes.
package_digest() {
    local spec=$1
    if [[ -d $spec ]]; then
        (cd "$spec" && find . \( -name .git -o -name .venv -o -name __pycache__ -o -name '*.egg-info' \
            -o -name build -o -name .mypy_cache -o -name .ruff_cache \) -prune -o -type f -print0 |
            LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
    elif [[ -f $spec ]]; then
        sha256sum "$spec" | cut -d' ' -f1
    else
        echo "index:$spec"
    fi
}

# pip_install PREFIX SPEC: the venv and the package, skipped when SPEC has not changed since last time.
pip_install() {
    local prefix=$1 spec=$2 digest stamp
    stamp="$prefix/.innovatum-installed-from"
    if [[ ! -x $prefix/bin/python ]]; then
        step "creating the virtual environment $prefix"
        run python3 -m venv "$prefix" || die "could not create the virtual environment $prefix"
    fi
    digest="$(package_digest "$spec")"
    if [[ -f $stamp && "$(cat "$stamp")" == "$digest" && $digest != index:* ]]; then
        return 0
    fi
    step "installing innovatum-kiosk from $spec"
    run "$prefix/bin/pip" install --quiet --upgrade "$spec" || die "pip could not install '$spec'"
    if ((!dry_run)); then
        echo "$digest" >"$stamp"
    fi
}

# enable_unit UNIT: enabled at boot (idempotent).
enable_unit() {
    systemctl is-enabled --quiet "$1" 2>/dev/null || run systemctl enable --quiet "$1" ||
        die "systemctl could not enable $1"
}

# finish NAME: say whether anything changed.
finish() {
    if ((dry_run)); then
        step "dry run: $changes change(s) would be made; nothing was changed"
    elif ((changes == 0)); then
        step "$1 was already installed as asked: nothing changed"
    else
        step "done: $1 installed ($changes change(s))"
    fi
}
