"""A read replica, for real: the test starts two MariaDB servers of its own on free ports (never the machine's
shared one), a primary with a binary log and a read-only replica replicating from it, creates a site with
ERPNext and prospect_crm on the primary, and configures Frappe's `read_from_replica`. The Prospect Pipeline
report and the workspace's numbers then reach the replica (its query counters move, the primary's do not),
while a write goes to the primary and reaches the replica through replication."""

import json
import os
import subprocess
import sys
import time

from frappe.utils import get_bench_path

from prospect_crm.tests.server import frappe_cli
from prospect_crm.tests.services import MariaDBServer, OwnServersTestCase

SITE = "prospect-replica.localhost"
ADMIN = ("pcrm_admin", "pcrm_admin")
REPLICATION = ("pcrm_repl", "pcrm_repl")


class TestReadReplica(OwnServersTestCase):
	KIND = "replica"
	SITE = SITE

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		primary = MariaDBServer(
			cls.base, "primary", server_id=11, extra=["--log-bin=bin", "--binlog-format=ROW"]
		)
		cls.servers.append(primary)
		replica = MariaDBServer(cls.base, "replica", server_id=12, extra=["--read-only=1"])
		cls.servers.append(replica)
		cls.primary, cls.replica = primary.port, replica.port
		primary.sql(
			f"CREATE USER '{REPLICATION[0]}'@'%' IDENTIFIED BY '{REPLICATION[1]}'",
			f"GRANT REPLICATION SLAVE ON *.* TO '{REPLICATION[0]}'@'%'",
		)
		primary.add_admin(*ADMIN)
		replica.sql(
			f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={cls.primary}, "
			f"MASTER_USER='{REPLICATION[0]}', MASTER_PASSWORD='{REPLICATION[1]}', MASTER_USE_GTID=slave_pos",
			"START SLAVE",
		)
		cls.cli(
			"new-site",
			SITE,
			"--force",
			"--db-host",
			"127.0.0.1",
			"--db-port",
			str(cls.primary),
			"--db-root-username",
			ADMIN[0],
			"--db-root-password",
			ADMIN[1],
			"--admin-password",
			"admin",
			"--install-app",
			"erpnext",
			site=None,
		)
		cls.cli("install-app", "prospect_crm")
		cls.cli("set-config", "read_from_replica", "1", "--parse")
		cls.cli("set-config", "replica_host", "127.0.0.1")
		cls.cli("set-config", "replica_db_port", str(cls.replica), "--parse")
		cls.wait_for_replication()

	# ---- servers ----
	@classmethod
	def sql(cls, port: int, *statements: str) -> tuple:
		return next(server for server in cls.servers if server.port == port).sql(*statements)

	@classmethod
	def wait_for_replication(cls, seconds: int = 120) -> None:
		deadline = time.time() + seconds
		while time.time() < deadline:
			primary = cls.sql(cls.primary, "select @@gtid_binlog_pos")[0][0]
			replica = cls.sql(cls.replica, "select @@gtid_slave_pos")[0][0]
			if primary == replica:
				return
			time.sleep(0.5)
		raise AssertionError(f"the replica did not catch up; see {cls.base}/replica.log")

	@classmethod
	def cli(cls, *args: str, site: str | None = SITE) -> str:
		result = frappe_cli(site, *args) if site else frappe_cli_without_site(*args)
		assert result.returncode == 0, (
			f"bench {' '.join(args)}: {result.stdout[-2000:]} {result.stderr[-2000:]}"
		)
		return result.stdout

	# ---- the test ----
	def test_reads_reach_the_replica_and_writes_the_primary(self):
		code = f"""
import json, pymysql, frappe

def counters(port):
	connection = pymysql.connect(host="127.0.0.1", port=port, user="root", password="")
	with connection.cursor() as cursor:
		cursor.execute("show global status where Variable_name in ('Com_select', 'Com_insert')")
		values = {{name: int(value) for name, value in cursor.fetchall()}}
	connection.close()
	return values

def fresh():
	# Each read as its own request: Frappe swaps to the replica once per request (connect_replica).
	frappe.destroy()
	frappe.init(site={SITE!r}, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")

def moved(operation):
	fresh()
	before = {{"primary": counters({self.primary}), "replica": counters({self.replica})}}
	operation()
	after = {{"primary": counters({self.primary}), "replica": counters({self.replica})}}
	return {{server: {{k: after[server][k] - before[server][k] for k in after[server]}} for server in after}}

frappe.init(site={SITE!r}, sites_path=".")
frappe.connect()
frappe.set_user("Administrator")
from frappe.desk.query_report import run
from prospect_crm import dashboard
frappe.db.bulk_insert(
	"Prospect",
	["name", "creation", "modified", "owner", "modified_by", "company_name", "status"],
	[(f"Replica Co {{i}}", frappe.utils.now(), frappe.utils.now(), "Administrator", "Administrator",
		f"Replica Co {{i}}", "Open") for i in range(20)],
)
frappe.db.commit()
result = {{
	"report": moved(lambda: run("Prospect Pipeline", filters={{}})),
	"open prospects card": moved(dashboard.get_open_prospects),
	"weighted pipeline card": moved(dashboard.weighted_pipeline),
}}
todo = {{}}
def write():
	todo["name"] = frappe.get_doc({{"doctype": "ToDo", "description": "replica probe"}}).insert().name
	frappe.db.commit()
result["write"] = moved(write)
result["todo"] = todo["name"]
print(json.dumps(result))
frappe.destroy()
"""
		out = subprocess.run(
			[sys.executable, "-c", code],
			cwd=os.path.join(self.bench, "sites"),
			capture_output=True,
			text=True,
			timeout=300,
		)
		self.assertEqual(out.returncode, 0, out.stderr[-3000:])
		result = json.loads(out.stdout.strip().splitlines()[-1])
		for reads, at_least in (("report", 2), ("open prospects card", 1), ("weighted pipeline card", 1)):
			replica, primary = result[reads]["replica"]["Com_select"], result[reads]["primary"]["Com_select"]
			self.assertGreaterEqual(replica, at_least, f"{reads} read from the replica: {result[reads]}")
			self.assertLess(
				primary, replica, f"{reads} read from the replica, not the primary: {result[reads]}"
			)
		self.assertGreaterEqual(result["write"]["primary"]["Com_insert"], 1, result["write"])
		# The replica takes no client writes (read-only); it gets the write through replication only.
		self.assertEqual(self.sql(self.replica, "select @@read_only"), ((1,),))
		self.wait_for_replication()
		with open(os.path.join(self.bench, "sites", SITE, "site_config.json")) as f:
			database = json.load(f)["db_name"]
		self.assertEqual(
			self.sql(
				self.replica, f"select name from `{database}`.`tabToDo` where name = '{result['todo']}'"
			),
			((result["todo"],),),
			"the write reached the replica through replication",
		)


def frappe_cli_without_site(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
	bench = get_bench_path()
	return subprocess.run(
		[f"{bench}/env/bin/python", "-m", "frappe.utils.bench_helper", "frappe", *args],
		cwd=f"{bench}/sites",
		capture_output=True,
		text=True,
		timeout=timeout,
	)
