# Shared steps of scripts/up and scripts/test: prerequisites, the bench user, the bench itself,
# this checkout inside it, and site creation. Every step is idempotent and prints one timed line.
# shellcheck shell=bash

set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ---- configuration (every value can be overridden from the environment) ----
: "${FRAPPE_REPO:=https://github.com/frappe/frappe}"
: "${FRAPPE_BRANCH:=version-15}"
: "${ERPNEXT_REPO:=https://github.com/frappe/erpnext}"
: "${ERPNEXT_BRANCH:=version-15}"
: "${BENCH_USER:=frappe}"
: "${PYTHON_BIN:=}"
: "${DB_HOST:=127.0.0.1}"
: "${DB_PORT:=3306}"
: "${DB_ROOT_USER:=root}"
: "${DB_ROOT_PASSWORD:=}"
# Each Frappe/ERPNext pair gets its own bench folder and its own Redis database: two Frappe versions caching
# in one database unpickle each other's values and break.
case "$FRAPPE_BRANCH" in
	version-15) PAIR_REDIS_DB=1 ;;
	v15.19.1) PAIR_REDIS_DB=2 ;;
	version-16) PAIR_REDIS_DB=3 ;;
	*) PAIR_REDIS_DB=$((4 + $(printf '%s' "$FRAPPE_BRANCH" | cksum | cut -d' ' -f1) % 10)) ;;
esac
: "${REDIS_URL:=redis://127.0.0.1:6379/$PAIR_REDIS_DB}"
# Frappe v16 needs Python 3.14 and Node 24, which live beside the system's (PY314_PREFIX, NODE24_PREFIX).
case "$FRAPPE_BRANCH" in
	version-16 | v16.* | develop) FRAPPE_MAJOR=16 ;;
	*) FRAPPE_MAJOR=15 ;;
esac
EXTRA_PATH=""
if [ "$FRAPPE_MAJOR" -ge 16 ] && [ -x "${NODE24_PREFIX:-/opt/node24}/bin/node" ]; then
	EXTRA_PATH="${NODE24_PREFIX:-/opt/node24}/bin"
	PATH="$EXTRA_PATH:$PATH"
fi
: "${ADMIN_PASSWORD:=admin}"
: "${SITE:=prospect.localhost}"
: "${TEST_SITE:=prospect-test.localhost}"
: "${HTTP_PORT:=8000}"
: "${SOCKETIO_PORT:=9000}"
: "${WEB_WORKERS:=2}"
: "${COMPANY_NAME:=Prospect Demo}"
: "${COMPANY_ABBR:=PD}"
: "${COUNTRY:=France}"
: "${CURRENCY:=EUR}"
: "${TIMEZONE:=Europe/Paris}"

if [ "$(id -u)" = "0" ]; then
	AS_ROOT=1
	: "${BENCH_HOME:=/home/$BENCH_USER}"
else
	AS_ROOT=0
	BENCH_USER="$(id -un)"
	: "${BENCH_HOME:=$HOME}"
fi
: "${BENCH_DIR:=$BENCH_HOME/bench-$FRAPPE_BRANCH}"
: "${BENCH_VENV:=$BENCH_HOME/.bench-venv}"
: "${SSL_CERT_FILE:=/etc/ssl/certs/ca-certificates.crt}"

# `--i-know` among a script's arguments (or I_KNOW=1): run even on a bench holding sites these scripts did
# not create (guard_bench). It is taken out of the arguments the script reads.
: "${I_KNOW:=0}"
_args=()
for _arg in "$@"; do
	if [ "$_arg" = "--i-know" ]; then I_KNOW=1; else _args+=("$_arg"); fi
done
set -- ${_args[@]+"${_args[@]}"}
unset _args _arg

STEP_START=0
step() {
	STEP_NAME="$1"
	STEP_START=$(date +%s)
	printf '==> %s\n' "$STEP_NAME"
}
done_step() {
	printf '    done in %ss\n' "$(($(date +%s) - STEP_START))"
}
die() {
	printf 'ERROR: %s\n' "$*" >&2
	exit 1
}

# Runs a shell snippet as the bench user, in the bench's parent folder, with the bench venv on PATH.
as_bench() {
	local snippet="export PATH='$BENCH_VENV/bin${EXTRA_PATH:+:$EXTRA_PATH}':\$PATH SSL_CERT_FILE='$SSL_CERT_FILE' CI='${CI:-}'; cd '$BENCH_HOME'; $1"
	if [ "$AS_ROOT" = "1" ]; then
		runuser -u "$BENCH_USER" -- bash -c "$snippet"
	else
		bash -c "$snippet"
	fi
}
in_bench() {
	as_bench "cd '$BENCH_DIR' && $1"
}

mysql_root() {
	# Over the local socket as root when no password is set (TCP root login may be refused).
	if [ -z "$DB_ROOT_PASSWORD" ] && [ "$AS_ROOT" = "1" ]; then
		mysql -uroot "$@"
	else
		mysql -h "$DB_HOST" -P "$DB_PORT" -u "$DB_ROOT_USER" ${DB_ROOT_PASSWORD:+-p"$DB_ROOT_PASSWORD"} "$@"
	fi
}

is_local_host() {
	[ "$1" = "127.0.0.1" ] || [ "$1" = "localhost" ]
}

# A bare Debian machine: as root, what is missing comes from Debian's packages (yarn from npm), MariaDB gets the
# character set Frappe needs in a configuration file of its own, and the local services are started; not as
# root, the exact packages are named.
ensure_system_packages() {
	local missing=() redis_hostport="${REDIS_URL#redis://}"
	redis_hostport="${redis_hostport%%/*}"
	command -v git >/dev/null || missing+=(git)
	command -v node >/dev/null || missing+=(nodejs npm)
	command -v node >/dev/null && ! command -v npm >/dev/null && ! command -v yarn >/dev/null && missing+=(npm)
	command -v mysql >/dev/null || missing+=(mariadb-client)
	command -v crontab >/dev/null || missing+=(cron)
	/usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null || missing+=(python3-venv python3-dev)
	if [ "$FRAPPE_MAJOR" -ge 16 ] && ! dpkg -s libmariadb-dev >/dev/null 2>&1; then missing+=(libmariadb-dev pkg-config build-essential); fi
	# The test command's browser test drives Debian's Chromium (scripts/test sets NEEDS_BROWSER).
	if [ "${NEEDS_BROWSER:-0}" = "1" ] && ! [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && ! command -v chromium >/dev/null; then
		missing+=(chromium)
	fi
	if is_local_host "$DB_HOST" && ! mysql_root -e "select 1" >/dev/null 2>&1 && ! command -v mariadbd >/dev/null && ! command -v mysqld >/dev/null &&
		! [ -x /usr/sbin/mariadbd ] && ! [ -x /usr/sbin/mysqld ]; then
		missing+=(mariadb-server)
	fi
	if is_local_host "${redis_hostport%:*}" && ! (exec 3<>"/dev/tcp/${redis_hostport%:*}/${redis_hostport##*:}") 2>/dev/null &&
		! command -v redis-server >/dev/null && ! [ -x /usr/bin/redis-server ]; then
		missing+=(redis-server)
	fi
	if [ "${#missing[@]}" -gt 0 ]; then
		[ "$AS_ROOT" = "1" ] || die "missing system packages; as root: apt-get install ${missing[*]}"
		step "Installing Debian packages: ${missing[*]}"
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
			>/dev/null || die "apt-get install ${missing[*]} failed"
		done_step
	fi
	if ! command -v yarn >/dev/null; then
		[ "$AS_ROOT" = "1" ] || die "yarn is missing; as root: npm install -g yarn"
		npm install -g -s yarn >/dev/null || die "npm install -g yarn failed"
	fi
	local cnf=/etc/mysql/mariadb.conf.d/99-frappe-utf8mb4.cnf
	# Debian's own 50-server.cnf sets utf8mb4 with utf8mb4_general_ci: Frappe needs utf8mb4_unicode_ci.
	if is_local_host "$DB_HOST" && [ "$AS_ROOT" = "1" ] && [ -d /etc/mysql/mariadb.conf.d ] && [ ! -f "$cnf" ] &&
		! grep -rqs "^collation-server *= *utf8mb4_unicode_ci" /etc/mysql/; then
		printf '[mysqld]\ncharacter-set-server = utf8mb4\ncollation-server = utf8mb4_unicode_ci\n\n[mysql]\ndefault-character-set = utf8mb4\n' >"$cnf"
		echo "    wrote $cnf (Frappe's character set; takes effect when MariaDB starts)"
	fi
	if is_local_host "$DB_HOST" && ! mysql_root -e "select 1" >/dev/null 2>&1 && [ "$AS_ROOT" = "1" ]; then
		step "Starting MariaDB"
		service mariadb start >/dev/null 2>&1 || service mysql start >/dev/null 2>&1 || die "cannot start MariaDB"
		done_step
	fi
	if is_local_host "${redis_hostport%:*}" && [ "$AS_ROOT" = "1" ] &&
		! (exec 3<>"/dev/tcp/${redis_hostport%:*}/${redis_hostport##*:}") 2>/dev/null; then
		step "Starting Redis"
		service redis-server start >/dev/null 2>&1 || redis-server --daemonize yes >/dev/null || die "cannot start Redis"
		done_step
	fi
}

check_prerequisites() {
	ensure_system_packages
	step "Checking prerequisites (MariaDB, Redis, node, yarn, git)"
	command -v git >/dev/null || die "git is missing: apt-get install git"
	command -v node >/dev/null || die "node is missing: install Node.js 18 or 20 (apt-get install nodejs)"
	command -v yarn >/dev/null || die "yarn is missing: npm install -g yarn"
	command -v mysql >/dev/null || die "the MariaDB client is missing: apt-get install mariadb-client"
	[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || command -v chromium >/dev/null ||
		echo "    warning: Chromium is missing; the browser test will fail (apt-get install chromium)"
	mysql_root -e "select 1" >/dev/null 2>&1 ||
		die "MariaDB does not answer on $DB_HOST:$DB_PORT as $DB_ROOT_USER (set DB_ROOT_USER/DB_ROOT_PASSWORD)"
	local redis_hostport="${REDIS_URL#redis://}"
	redis_hostport="${redis_hostport%%/*}"
	if command -v redis-cli >/dev/null; then
		redis-cli -h "${redis_hostport%:*}" -p "${redis_hostport##*:}" ping 2>/dev/null | grep -q PONG ||
			die "Redis does not answer at $REDIS_URL (start redis-server or set REDIS_URL)"
	else
		(exec 3<>"/dev/tcp/${redis_hostport%:*}/${redis_hostport##*:}") 2>/dev/null ||
			die "Redis does not answer at $REDIS_URL (start redis-server or set REDIS_URL)"
	fi
	# The bench CLI runs on the system's Python; the bench itself on the Python its Frappe needs.
	for candidate in /usr/bin/python3.12 /usr/bin/python3.11 /usr/bin/python3.10; do
		if [ -x "$candidate" ]; then CLI_PYTHON="$candidate"; break; fi
	done
	[ -n "${CLI_PYTHON:-}" ] || die "no system Python 3.10-3.12 found: apt-get install python3 python3-venv python3-dev"
	"$CLI_PYTHON" -c "import venv, ensurepip" 2>/dev/null || die "$CLI_PYTHON lacks venv: apt-get install python3-venv"
	if [ -z "$PYTHON_BIN" ]; then
		if [ "$FRAPPE_MAJOR" -ge 16 ]; then
			for candidate in "${PY314_PREFIX:-/opt/py314}/bin/python3.14" "$(command -v python3.14 || true)"; do
				if [ -n "$candidate" ] && [ -x "$candidate" ]; then PYTHON_BIN="$candidate"; break; fi
			done
			[ -n "$PYTHON_BIN" ] || die "Frappe $FRAPPE_BRANCH needs Python 3.14: set PYTHON_BIN or PY314_PREFIX"
		else
			PYTHON_BIN="$CLI_PYTHON"
		fi
	fi
	"$PYTHON_BIN" -c "import venv, ensurepip" 2>/dev/null || die "$PYTHON_BIN lacks venv"
	local node_major
	node_major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$FRAPPE_MAJOR" -ge 16 ] && [ "$node_major" -lt 24 ]; then
		die "Frappe $FRAPPE_BRANCH needs Node 24 (found $node_major): put it first on PATH or set NODE24_PREFIX"
	fi
	if ! command -v crontab >/dev/null; then
		if [ "$AS_ROOT" = "1" ]; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cron >/dev/null 2>&1 ||
				die "crontab is missing: apt-get install cron"
		else
			die "crontab is missing: apt-get install cron"
		fi
	fi
	done_step
}

ensure_db_settings() {
	step "Checking MariaDB character set and bench database account"
	local charset collation
	charset=$(mysql_root -N -e "select @@character_set_server")
	collation=$(mysql_root -N -e "select @@collation_server")
	if [ "$charset" != "utf8mb4" ] || [ "$collation" != "utf8mb4_unicode_ci" ]; then
		echo "    setting character_set_server=utf8mb4, collation_server=utf8mb4_unicode_ci (was $charset/$collation)"
		mysql_root -e "SET GLOBAL character_set_server='utf8mb4'; SET GLOBAL collation_server='utf8mb4_unicode_ci'" ||
			die "cannot set the MariaDB character set: add character-set-server=utf8mb4 and
collation-server=utf8mb4_unicode_ci under [mysqld] and restart MariaDB"
	fi
	# bench new-site treats an empty root password as missing and prompts for it: use a dedicated account.
	if [ -z "$DB_ROOT_PASSWORD" ]; then
		local secret_file="$BENCH_HOME/.prospect-crm-db-admin"
		mkdir -p "$BENCH_HOME"
		DB_ADMIN_USER=prospect_crm_admin
		if [ ! -s "$secret_file" ]; then
			head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$secret_file"
			[ "$AS_ROOT" = "1" ] && chown "$BENCH_USER" "$secret_file"
			chmod 600 "$secret_file"
		fi
		DB_ADMIN_PASSWORD="$(cat "$secret_file")"
		local host
		for host in localhost 127.0.0.1; do
			mysql_root -e "CREATE USER IF NOT EXISTS '$DB_ADMIN_USER'@'$host' IDENTIFIED BY '$DB_ADMIN_PASSWORD';
				ALTER USER '$DB_ADMIN_USER'@'$host' IDENTIFIED BY '$DB_ADMIN_PASSWORD';
				GRANT ALL PRIVILEGES ON *.* TO '$DB_ADMIN_USER'@'$host' WITH GRANT OPTION; FLUSH PRIVILEGES;"
		done
	else
		DB_ADMIN_USER="$DB_ROOT_USER"
		DB_ADMIN_PASSWORD="$DB_ROOT_PASSWORD"
	fi
	done_step
}

ensure_bench_user() {
	[ "$AS_ROOT" = "1" ] || return 0
	step "Ensuring the bench user '$BENCH_USER' (bench refuses to run as root)"
	id "$BENCH_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BENCH_USER"
	mkdir -p "$BENCH_HOME"
	chown "$BENCH_USER" "$BENCH_HOME"
	done_step
}

ensure_bench_cli() {
	step "Ensuring frappe-bench (PyPI) in $BENCH_VENV"
	if [ ! -x "$BENCH_VENV/bin/bench" ]; then
		as_bench "'$CLI_PYTHON' -m venv '$BENCH_VENV' && '$BENCH_VENV/bin/pip' install -q frappe-bench"
	fi
	as_bench "bench --version" | sed 's/^/    bench /'
	done_step
}

ensure_bench() {
	if [ ! -f "$BENCH_DIR/sites/apps.txt" ] || [ ! -d "$BENCH_DIR/apps/frappe" ]; then
		step "Creating the bench (Frappe $FRAPPE_BRANCH from $FRAPPE_REPO)"
		if [ -d "$BENCH_DIR" ]; then
			echo "    removing an incomplete bench left by an earlier failed run"
			rm -rf "$BENCH_DIR"
		fi
		as_bench "bench init --frappe-path '$FRAPPE_REPO' --frappe-branch '$FRAPPE_BRANCH' \
			--python '$PYTHON_BIN' --skip-redis-config-generation '$BENCH_DIR' </dev/null" ||
			die "bench init failed (see the output above)"
		as_bench "touch '$BENCH_DIR/.prospect-crm-bench-ready'"
		done_step
	fi
	# bench init that failed after fetching Frappe (building the assets, compiling the translations) leaves a
	# bench that looks whole: finish it (never delete it: it may hold sites). Checked once per bench.
	if [ ! -f "$BENCH_DIR/.prospect-crm-bench-ready" ]; then
		if [ ! -d "$BENCH_DIR/sites/assets/frappe" ] || {
			compgen -G "$BENCH_DIR/apps/frappe/frappe/locale/*.po" >/dev/null &&
				! compgen -G "$BENCH_DIR/sites/assets/locale/*/LC_MESSAGES/frappe.mo" >/dev/null
		}; then
			step "Finishing the bench (Frappe's assets and translations)"
			in_bench "bench build --app frappe </dev/null" 2>&1 | quiet_progress || die "bench build --app frappe failed"
			done_step
		fi
		as_bench "touch '$BENCH_DIR/.prospect-crm-bench-ready'"
	fi
	step "Configuring the bench (setuptools<81, Redis, database host)"
	# Current setuptools has no pkg_resources, which Frappe and ERPNext import.
	in_bench "./env/bin/python -c 'import pkg_resources' 2>/dev/null || \
		./env/bin/python -m pip install -q 'setuptools<81' 2>/dev/null || \
		uv pip install -q --python ./env/bin/python 'setuptools<81'"
	in_bench "bench set-config -g redis_cache '$REDIS_URL' && bench set-config -g redis_queue '$REDIS_URL' \
		&& bench set-config -g redis_socketio '$REDIS_URL' && bench set-config -g db_host '$DB_HOST' \
		&& bench set-config -g db_port '$DB_PORT' --parse" >/dev/null
	done_step
	if [ ! -d "$BENCH_DIR/apps/erpnext" ]; then
		step "Getting ERPNext $ERPNEXT_BRANCH from $ERPNEXT_REPO"
		in_bench "bench get-app --branch '$ERPNEXT_BRANCH' '$ERPNEXT_REPO' </dev/null" 2>&1 | quiet_progress ||
			die "bench get-app erpnext failed"
		done_step
	fi
}

# The test command runs no background workers, so jobs its runs enqueue (search index rebuilds, emails)
# stay in the bench's Redis database; Frappe v16 refuses new jobs past 600 queued. Each pair has its own
# Redis database (REDIS_URL): only this bench's queued jobs are dropped.
clear_queued_jobs() {
	step "Dropping background jobs queued by earlier runs ($REDIS_URL)"
	in_bench "./env/bin/python - '$REDIS_URL'" <<'PY'
import sys

import redis

connection = redis.from_url(sys.argv[1])
keys = list(connection.scan_iter("rq:*"))
for start in range(0, len(keys), 500):
	connection.delete(*keys[start : start + 500])
print(f"    {len(keys)} keys")
PY
	done_step
}

# Copies this checkout into the bench (owned by the bench user) and installs it there, editable.
sync_app() {
	step "Installing this checkout into the bench as apps/prospect_crm"
	local target="$BENCH_DIR/apps/prospect_crm"
	mkdir -p "$target"
	tar -C "$REPO_DIR" --exclude=.git --exclude='*.pyc' --exclude=__pycache__ --exclude='*.egg-info' \
		--exclude=artifacts -cf - . | tar -C "$target" -xf -
	[ "$AS_ROOT" = "1" ] && chown -R "$BENCH_USER" "$target"
	# Files removed from the checkout must not linger in the bench copy.
	(cd "$target" && find . -type f -not -path './*.egg-info/*' -not -name '*.pyc' -print) | while read -r f; do
		[ -e "$REPO_DIR/$f" ] || rm -f "$target/$f"
	done
	if ! in_bench "./env/bin/python -c 'import prospect_crm' 2>/dev/null"; then
		in_bench "./env/bin/python -m pip install -q -e apps/prospect_crm 2>/dev/null || \
			uv pip install -q --python ./env/bin/python -e apps/prospect_crm"
	fi
	in_bench "grep -qx prospect_crm sites/apps.txt || { [ -n \"\$(tail -c1 sites/apps.txt)\" ] && echo >> sites/apps.txt; \
		echo prospect_crm >> sites/apps.txt; }"
	in_bench "./env/bin/python -m pip show playwright >/dev/null 2>&1 || ./env/bin/python -m pip install -q \
		-r apps/prospect_crm/requirements-dev.txt 2>/dev/null || uv pip install -q --python ./env/bin/python \
		-r apps/prospect_crm/requirements-dev.txt"
	done_step
}

# Bench prints progress bars with carriage returns: keep the log to one line per message.
quiet_progress() {
	tr '\r' '\n' | awk '!/Updating (DocTypes|customizations|Dashboard)|pkg_resources|^[[:space:]]*$/ { print; fflush() }'
}

site_exists() {
	[ -f "$BENCH_DIR/sites/$1/site_config.json" ]
}

app_installed() {
	in_bench "bench --site '$1' list-apps 2>/dev/null" | grep -q "^$2\b"
}

# new_site NAME [--force]: a site with ERPNext installed.
new_site() {
	local name="$1" force="${2:-}"
	if [ -n "$force" ] && [ -f "$BENCH_DIR/sites/$name/site_config.json" ] && ! own_site "$name"; then
		die "$name exists and was not created by these scripts: it is never recreated (choose another name)"
	fi
	step "Creating site $name"
	in_bench "bench new-site '$name' $force --db-root-username '$DB_ADMIN_USER' --db-root-password '$DB_ADMIN_PASSWORD' \
		--admin-password '$ADMIN_PASSWORD' </dev/null" 2>&1 | quiet_progress || die "bench new-site $name failed"
	in_bench "bench --site '$name' set-config prospect_crm_scripts_site 1" >/dev/null
	done_step
	step "Installing ERPNext on $name"
	in_bench "bench --site '$name' install-app erpnext </dev/null" 2>&1 | quiet_progress ||
		die "install-app erpnext failed on $name"
	done_step
}

# Whether these scripts made the site: the names they use, or the mark new_site leaves in its config.
own_site() {
	case "$1" in
	"$SITE" | "$TEST_SITE" | "${LIFECYCLE_SITE:-}" | "${UPGRADE_SITE:-}" | "${BASELINE_SITE:-}" | "${OURS_SITE:-}") return 0 ;;
	prospect*.localhost | restored-prospect*.localhost | bench-*.localhost) return 0 ;;
	esac
	grep -q '"prospect_crm_scripts_site"' "$BENCH_DIR/sites/$1/site_config.json" 2>/dev/null
}

# The scripts are for development and test benches: they change Redis and MariaDB settings, create a
# privileged database account and recreate their own sites. On a bench holding sites they did not create
# (a production bench) they stop before changing anything, unless told --i-know.
guard_bench() {
	[ -d "$BENCH_DIR/sites" ] || return 0
	local foreign=() dir
	for dir in "$BENCH_DIR"/sites/*/; do
		[ -f "$dir/site_config.json" ] || continue
		own_site "$(basename "$dir")" || foreign+=("$(basename "$dir")")
	done
	[ ${#foreign[@]} -eq 0 ] && return 0
	if [ "$I_KNOW" = 1 ]; then
		echo "WARNING: $BENCH_DIR holds sites these scripts did not create (${foreign[*]}); going on (--i-know)"
		return 0
	fi
	die "$BENCH_DIR holds sites these scripts did not create (${foreign[*]}). The scripts are for development \
and test benches: they change Redis and MariaDB settings, create a privileged database account and recreate \
their own sites. Use a bench of their own (BENCH_DIR), or add --i-know."
}

# site_call SITE module.function [JSON kwargs]: runs a function of this app on a site, even before the
# app is installed there (bench execute refuses apps a site does not have yet), and shows its errors.
site_call() {
	local site="$1" method="$2" kwargs="${3:-{\}}"
	in_bench "cd sites && '$BENCH_DIR/env/bin/python' - '$site' '$method' '$kwargs'" <<'PY'
import importlib, json, sys
import frappe
site, method, kwargs = sys.argv[1:4]
frappe.init(site=site, sites_path=".")
frappe.connect()
try:
	module, _, name = method.rpartition(".")
	getattr(importlib.import_module(module), name)(**json.loads(kwargs))
	frappe.db.commit()
finally:
	frappe.destroy()
PY
}

# Earlier versions of `up` served the desk with `bench serve` and kept the wrapper's pid only: stop that
# server's whole process group (the wrapper, Frappe's server and its reloader), so that it frees the port.
stop_legacy_server() {
	local pidfile="$BENCH_DIR/logs/prospect-crm-serve.pid" pid group
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		group=$(ps -o pgid= -p "$pid" | tr -d ' ')
		kill -TERM -- "-$group" 2>/dev/null || kill "$pid" 2>/dev/null || true
		sleep 2
	fi
	rm -f "$pidfile"
}
