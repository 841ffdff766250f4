#!/usr/bin/env bash
# Installs the Voce collector on a Debian-like host, as root:
#
#   cargo build --release -p voce-collector --features postgres && cargo xtask widget
#   sudo deploy/install.sh [--registry FILE] [--set NAME=VALUE]...
#
# It installs the binary (/usr/local/bin/voce-collector), the `voce` system user, the state
# directory (/var/lib/voce, with the ticket keys in keys/), the settings (/etc/voce/
# voce-collector.toml and, for secrets, /etc/voce/voce-collector.env; existing files are kept,
# --set lines are written into the latter), the built widget (/usr/local/share/voce/widget), the
# operator guide and the systemd unit; it generates a first ticket key when there is none and
# imports the registry when given one. Then it starts the collector:
#   - where systemd is PID 1, with `systemctl enable --now voce-collector`;
#   - elsewhere (a container, a chroot, a CI machine), by running the unit's ExecStartPre= and
#     ExecStart= itself, with the unit's User=, Group=, UMask=, Environment= and EnvironmentFile=,
#     no new privileges and no capabilities, in the background; its process id goes to
#     ROOT/run/voce-collector.pid and its output to ROOT/var/log/voce-collector.log.
#
# Options:
#   --root DIR       install under DIR instead of / (a staging tree, or a test); every path
#                    written into the settings and the unit points inside DIR
#   --binary FILE    the collector binary (default: target/release/voce-collector, else debug)
#   --widget DIR     the built widget (default: target/widget, when it exists)
#   --registry FILE  a registry file to install as /etc/voce/registry.toml and import
#   --set VAR=VALUE  a line of the environment file (repeatable), e.g. --set VOCE_BIND=0.0.0.0:8080
#   --no-start       install only
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT=/
BINARY=""
WIDGET=""
REGISTRY=""
START=yes
SETS=()
SERVICE_USER=voce

die() {
    echo "install.sh: $*" >&2
    exit 1
}

while (($#)); do
    case "$1" in
    --root) ROOT="${2:?--root needs a directory}"; shift 2 ;;
    --binary) BINARY="${2:?--binary needs a file}"; shift 2 ;;
    --widget) WIDGET="${2:?--widget needs a directory}"; shift 2 ;;
    --registry) REGISTRY="${2:?--registry needs a file}"; shift 2 ;;
    --set)
        [[ "${2:-}" =~ ^VOCE_[A-Z0-9_]+=|^RUST_LOG= ]] || die "--set needs a VOCE_* or RUST_LOG variable as NAME=VALUE, got '${2:-}'"
        SETS+=("$2"); shift 2 ;;
    --no-start) START=no; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done

[[ "$(id -u)" == 0 ]] || die "run as root (it creates a system user and root-owned directories)"
ROOT="$(realpath -m "$ROOT")"
P="${ROOT%/}" # prefix for every installed path ("" when installing into /)

if [[ -z "$BINARY" ]]; then
    for candidate in "$REPO/target/release/voce-collector" "$REPO/target/debug/voce-collector"; do
        [[ -x "$candidate" ]] && { BINARY="$candidate"; break; }
    done
fi
[[ -n "$BINARY" && -x "$BINARY" ]] ||
    die "no collector binary: build it (cargo build --release -p voce-collector --features postgres) or pass --binary"
[[ -z "$WIDGET" && -d "$REPO/target/widget" ]] && WIDGET="$REPO/target/widget"
[[ -z "$REGISTRY" || -r "$REGISTRY" ]] || die "cannot read the registry file $REGISTRY"

BIN="$P/usr/local/bin/voce-collector"
ETC="$P/etc/voce"
STATE="$P/var/lib/voce"
SHARE="$P/usr/local/share/voce"
DOC="$P/usr/local/share/doc/voce"
UNIT="$P/etc/systemd/system/voce-collector.service"
PIDFILE="$P/run/voce-collector.pid"
LOGFILE="$P/var/log/voce-collector.log"

echo "installing the Voce collector under $ROOT"

# The system user: no login, no home of its own beyond the state directory.
if ! getent passwd "$SERVICE_USER" >/dev/null; then
    useradd --system --user-group --home-dir /var/lib/voce --no-create-home \
        --shell /usr/sbin/nologin --comment "Voce collector" "$SERVICE_USER"
    echo "created system user $SERVICE_USER"
fi

install -d -m 0755 "$P/usr/local/bin" "$SHARE" "$DOC" "$P/etc/systemd/system" "$P/run" "$P/var/log"
install -d -o root -g "$SERVICE_USER" -m 0750 "$ETC"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$STATE"
install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0700 "$STATE/keys"
install -m 0755 "$BINARY" "$BIN"
install -m 0644 "$REPO/deploy/README.md" "$DOC/README.md"
if [[ -n "$WIDGET" ]]; then
    install -d -m 0755 "$SHARE/widget"
    find "$WIDGET" -maxdepth 1 -type f -exec install -m 0644 {} "$SHARE/widget/" \;
fi

# Settings: the example file with its paths moved under the prefix; an existing file is kept.
if [[ ! -e "$ETC/voce-collector.toml" ]]; then
    sed -e "s|\"/var/lib/voce|\"$P/var/lib/voce|g" \
        -e "s|\"/usr/local/share/voce|\"$SHARE|g" \
        "$REPO/deploy/voce-collector.toml" >"$ETC/voce-collector.toml.new"
    install -o root -g "$SERVICE_USER" -m 0640 "$ETC/voce-collector.toml.new" "$ETC/voce-collector.toml"
    rm -f "$ETC/voce-collector.toml.new"
fi
if [[ ! -e "$ETC/voce-collector.env" ]]; then
    printf '%s\n' "# Secrets and overrides for voce-collector, one VOCE_*=value per line (read by systemd)." \
        "# e.g. VOCE_DATABASE_URL=postgres://voce:PASSWORD@db.internal:5432/voce" >"$ETC/voce-collector.env"
fi
for line in "${SETS[@]}"; do
    name="${line%%=*}"
    grep -v "^$name=" "$ETC/voce-collector.env" >"$ETC/voce-collector.env.new" || true
    printf '%s\n' "$line" >>"$ETC/voce-collector.env.new"
    mv "$ETC/voce-collector.env.new" "$ETC/voce-collector.env"
done
chown root:"$SERVICE_USER" "$ETC/voce-collector.env"
chmod 0640 "$ETC/voce-collector.env"

# The unit, with its paths moved under the prefix.
sed -e "s|/usr/local/bin/voce-collector|$BIN|g" \
    -e "s|/etc/voce/|$ETC/|g" \
    -e "s|file:/usr/local/share/doc/voce|file:$DOC|g" \
    "$REPO/deploy/voce-collector.service" >"$UNIT"
chmod 0644 "$UNIT"

# unit_values KEY: every value of KEY= in the [Service] section of the installed unit.
unit_values() {
    sed -n '/^\[Service\]/,/^\[/p' "$UNIT" | sed -n "s/^$1=//p"
}

# unit_exec: sets UNIT_EXEC (the command prefix) and UNIT_UMASK so that a command runs as
# systemd would run the unit's: its user and group, its umask, only its environment, from /,
# with no new privileges and no capabilities. Callers run
#   (cd / && umask "$UNIT_UMASK" && exec "${UNIT_EXEC[@]}" COMMAND...)
# so that the process id of the subshell is the command's own.
unit_exec() {
    local user group env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
    user="$(unit_values User)"
    group="$(unit_values Group)"
    UNIT_UMASK="$(unit_values UMask)"
    UNIT_UMASK="${UNIT_UMASK:-0022}"
    env+=("HOME=$(getent passwd "$user" | cut -d: -f6)" "USER=$user" "LOGNAME=$user")
    local assignment file line value
    while read -r assignment; do
        [[ -n "$assignment" ]] && env+=("$assignment")
    done < <(unit_values Environment)
    while read -r file; do
        file="${file#-}"
        [[ -r "$file" ]] || continue
        while IFS= read -r line || [[ -n "$line" ]]; do
            [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
            line="${line#export }"
            value="${line#*=}"
            value="${value#\"}"
            value="${value%\"}"
            env+=("${line%%=*}=$value")
        done <"$file"
    done < <(unit_values EnvironmentFile)
    UNIT_EXEC=(setpriv "--reuid=$user" "--regid=$group" --init-groups --no-new-privs
        --inh-caps=-all --bounding-set=-all -- env -i "${env[@]}")
}

# as_unit COMMAND...: runs a command in the foreground as the unit would, and waits for it.
as_unit() {
    (cd / && umask "$UNIT_UMASK" && exec "${UNIT_EXEC[@]}" "$@")
}

unit_exec
if ! compgen -G "$STATE/keys/*.key" >/dev/null; then
    as_unit "$BIN" keys generate
fi
if [[ -n "$REGISTRY" ]]; then
    install -o root -g "$SERVICE_USER" -m 0640 "$REGISTRY" "$ETC/registry.toml"
    as_unit "$BIN" registry import "$ETC/registry.toml"
fi

if [[ "$START" == no ]]; then
    echo "installed; not started (--no-start)"
    exit 0
fi

if [[ "$ROOT" == / && -d /run/systemd/system ]]; then
    systemctl daemon-reload
    systemctl enable --now voce-collector.service
    systemctl --no-pager status voce-collector.service
    exit 0
fi

# No systemd as PID 1: run the unit's commands ourselves.
if [[ -s "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    die "a collector already runs with process id $(cat "$PIDFILE") ($PIDFILE); stop it first"
fi
while read -r pre; do
    read -r -a words <<<"$pre"
    as_unit "${words[@]}"
done < <(unit_values ExecStartPre)
read -r -a words <<<"$(unit_values ExecStart)"
(cd / && umask "$UNIT_UMASK" && exec "${UNIT_EXEC[@]}" "${words[@]}" >>"$LOGFILE" 2>&1 </dev/null) &
pid=$!
echo "$pid" >"$PIDFILE"
sleep 1
kill -0 "$pid" 2>/dev/null || die "the collector exited at once; its output is in $LOGFILE"
echo "voce-collector runs as $(unit_values User) with process id $pid (systemd is not PID 1 here);"
echo "its output goes to $LOGFILE; stop it with: kill $pid"
