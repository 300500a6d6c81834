"""Faults while users write: what the server reported saved has exactly one row in its prospect, nothing
else has a row, and the repair finds nothing to change. Web workers killed; and, on a site whose MariaDB and
Redis the test itself runs (never the machine's shared ones), the database restarted and Redis stopped. Each
case adds its counts to the "fault summary:" line printed when the test process ends (scripts/test shows
it)."""

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
from http.client import HTTPException

import frappe
import psutil

from prospect_crm.tests.rest import Client, RestTestCase, resource
from prospect_crm.tests.server import WorkerServer, frappe_cli, site_script
from prospect_crm.tests.services import MariaDBServer, OwnServersTestCase, RedisServer
from prospect_crm.tests.utils import count_faults, make_lead, make_prospect, rows_state

CLIENTS = 20
WRITES_PER_CLIENT = 6


def write_load(client: Client, prospect: str, leads: list[str], company: str, fault) -> tuple[list, list]:
	"""One client per lead: each writes WRITES_PER_CLIENT times (a new opportunity of the prospect, then an
	update of its lead, in turn), and goes on until `fault()`, run beside them, has ended, then writes twice
	more. Returns ([HTTP status of each write attempted, None when the answer was lost], [(doctype, name)] of
	the writes the server confirmed)."""
	confirmed, attempted = [], []
	done = threading.Event()

	def writer(i):
		n = after = 0
		while n < 40 and (n < WRITES_PER_CLIENT or not done.is_set() or after < 2):
			after += done.is_set()
			try:
				if n % 2:
					status, body = client.put(
						resource("Lead", leads[i]), {"mobile_no": f"+33 6 55 {i:02d} {n:02d} 00"}
					)
				else:
					status, body = client.post(
						resource("Opportunity"),
						{
							"opportunity_from": "Prospect",
							"party_name": prospect,
							"company": company,
							"opportunity_amount": 10 * i + n,
						},
					)
			except (urllib.error.URLError, HTTPException, ConnectionError, TimeoutError):
				status = None  # the answer is lost (the worker died with it), not the invariants
			n += 1
			attempted.append(status)
			if status == 200:
				confirmed.append((body["data"]["doctype"], body["data"]["name"]))
			elif status is not None:
				time.sleep(0.5)

	def run_fault():
		try:
			fault()
		finally:
			done.set()

	threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(leads))]
	faulty = threading.Thread(target=run_fault)
	faulty.start()
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=900)
	faulty.join(timeout=300)
	return attempted, confirmed


def assert_rows_in_step(test, state: dict, prospect: str, leads: list[str], confirmed: list) -> int:
	"""Every confirmed write exists; every opportunity of the prospect (confirmed or not: a worker may die
	after its commit) and every lead has exactly one row, with its document's values; no row without its
	document; the open amount adds up; a dry run of the repair finds nothing here. Returns the rows checked."""
	existing = set(state["opportunities"])
	lost = [name for doctype, name in confirmed if doctype == "Opportunity" and name not in existing]
	rows = state["opportunity_rows"]
	lead_rows = state["lead_rows"]
	count_faults(
		lost=len(lost), doubled=len(rows) - len(set(rows)) + len(lead_rows) - len({r[0] for r in lead_rows})
	)
	test.assertEqual(lost, [], "confirmed opportunities exist")
	test.assertEqual(sorted(rows), sorted(existing), "one row per opportunity, none without it")
	test.assertEqual(sorted(r[0] for r in lead_rows), sorted(leads), "one row per lead")
	test.assertEqual({r[0]: r[2] for r in lead_rows}, state["mobiles"], "each row shows its lead")
	test.assertEqual({r[1] for r in lead_rows}, {prospect})
	test.assertAlmostEqual(state["open_amount"], sum(state["opportunities"].values()), places=2)
	test.assertEqual(state["repair"], [], "a dry run of the repair finds nothing to change")
	return len(rows) + len(lead_rows)


class TestKilledWebWorker(RestTestCase):
	"""20 clients save opportunities and leads of one prospect through a 4-worker gunicorn while web workers
	are killed (SIGKILL, as the OOM killer does) a few times; gunicorn starts new ones."""

	server_class = WorkerServer

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.prospect = make_prospect(f"{cls.prefix} Killed").name
		cls.leads = [
			make_lead(f"{cls.prefix} Killed {i}", prospect=cls.prospect).name for i in range(CLIENTS)
		]
		frappe.db.commit()

	def workers(self) -> list[int]:
		return [child.pid for child in psutil.Process(self.server.process.pid).children()]

	def test_rows_stay_in_step_when_web_workers_are_killed(self):
		killed = []

		def killer():
			time.sleep(1)
			while len(killed) < 3:
				pids = self.workers()
				if pids:
					os.kill(pids[0], signal.SIGKILL)
					killed.append(pids[0])
				time.sleep(1.5)

		attempted, confirmed = write_load(self.admin, self.prospect, self.leads, self.company, killer)
		self.assertGreaterEqual(len(killed), 1, "a web worker was killed while the clients wrote")
		self.assertTrue(self.workers(), "gunicorn started new workers")
		self.assertEqual(self.admin.get("/api/method/ping")[0], 200, "the server still answers")

		frappe.db.rollback()
		state = rows_state(self.prospect, self.leads)
		checked = assert_rows_in_step(self, state, self.prospect, self.leads, confirmed)
		count_faults(
			faults_injected=len(killed),
			writes_attempted=len(attempted),
			writes_confirmed=len(confirmed),
			rows_checked=checked,
		)


# ERPNext's setup wizard, as for the test site (bench execute refuses an app the site does not have yet).
SETUP_WIZARD = """
import sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from prospect_crm.tests.utils import before_tests
before_tests()
frappe.db.commit()
print("STATE:{}")
"""

# A prospect, its leads and an API key on the site of the test's own servers (printed as JSON).
SEED = """
import json, sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from frappe.core.doctype.user.user import generate_keys
from prospect_crm.tests.utils import make_lead, make_prospect, test_company
frappe.set_user("Administrator")
prospect = make_prospect("Faults Co").name
leads = [make_lead(f"Faults {i}", prospect=prospect).name for i in range(int(sys.argv[2]))]
secret = generate_keys("Administrator")["api_secret"]
key = frappe.db.get_value("User", "Administrator", "api_key")
frappe.db.commit()
print("STATE:" + json.dumps({"prospect": prospect, "leads": leads, "company": test_company(),
	"auth": f"token {key}:{secret}"}))
"""

# rows_state, read on that site.
STATE = """
import json, sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from prospect_crm.tests.utils import rows_state
print("STATE:" + json.dumps(rows_state(sys.argv[2], json.loads(sys.argv[3])), default=str))
"""


class TestOwnDatabaseAndRedis(OwnServersTestCase):
	"""A site with ERPNext and prospect_crm on a MariaDB server and a Redis server the test started, served by
	a 4-worker gunicorn, with 20 clients writing as above while the database restarts, and while Redis is
	stopped then started again."""

	SITE = "prospect-faults.localhost"
	ADMIN = ("pcrm_admin", "pcrm_admin")

	KIND = "faults"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.database = MariaDBServer(cls.base, "mariadb")
		cls.servers.append(cls.database)
		cls.database.add_admin(*cls.ADMIN)
		cls.redis = RedisServer(cls.base, "redis")
		cls.servers.append(cls.redis)
		cls.cli(
			None,
			"new-site",
			cls.SITE,
			"--force",
			"--db-host",
			"127.0.0.1",
			"--db-port",
			str(cls.database.port),
			"--db-root-username",
			cls.ADMIN[0],
			"--db-root-password",
			cls.ADMIN[1],
			"--admin-password",
			"admin",
			"--install-app",
			"erpnext",
		)
		for key in ("redis_cache", "redis_queue", "redis_socketio"):
			cls.cli(cls.SITE, "set-config", key, cls.redis.url)
		cls.python(SETUP_WIZARD)
		cls.cli(cls.SITE, "install-app", "prospect_crm")
		seed = cls.python(SEED, str(CLIENTS))
		cls.prospect, cls.leads, cls.company = seed["prospect"], seed["leads"], seed["company"]
		cls.server = WorkerServer(cls.base, site=cls.SITE)
		cls.servers.append(cls.server)
		cls.client = Client(cls.server, seed["auth"])

	@classmethod
	def cli(cls, site: str | None, *args: str) -> str:
		if site:
			result = frappe_cli(site, *args)
		else:
			result = subprocess.run(
				[f"{cls.bench}/env/bin/python", "-m", "frappe.utils.bench_helper", "frappe", *args],
				cwd=f"{cls.bench}/sites",
				capture_output=True,
				text=True,
				timeout=900,
			)
		assert result.returncode == 0, (
			f"bench {' '.join(args)}: {result.stdout[-2000:]} {result.stderr[-2000:]}"
		)
		return result.stdout

	@classmethod
	def python(cls, script: str, *args: str) -> dict:
		return site_script(cls.SITE, script, *args, timeout=600)

	def state(self) -> dict:
		return self.python(STATE, self.prospect, json.dumps(self.leads))

	def write_one(self, n: int):
		return self.client.post(
			resource("Opportunity"),
			{
				"opportunity_from": "Prospect",
				"party_name": self.prospect,
				"company": self.company,
				"opportunity_amount": n,
			},
		)

	def test_database_restart_while_clients_write(self):
		restarts = []

		def restart():
			time.sleep(1)
			self.database.stop()
			time.sleep(2)
			self.database.start()
			restarts.append(self.database.port)

		attempted, confirmed = write_load(self.client, self.prospect, self.leads, self.company, restart)
		self.assertEqual(restarts, [self.database.port], "the database was restarted during the writes")
		self.assertLess(len(confirmed), len(attempted), "some writes failed while the database was down")
		# The same web server, never restarted, serves again.
		status, body = self.write_one(1)
		self.assertEqual(status, 200, body)
		confirmed.append(("Opportunity", body["data"]["name"]))
		checked = assert_rows_in_step(self, self.state(), self.prospect, self.leads, confirmed)
		count_faults(
			faults_injected=1,
			writes_attempted=len(attempted) + 1,
			writes_confirmed=len(confirmed),
			rows_checked=checked,
		)

	def test_redis_down_refuses_writes_cleanly_and_they_work_when_it_returns(self):
		before = self.state()
		self.redis.stop()
		try:
			refused = [
				self.write_one(2),
				self.client.put(resource("Lead", self.leads[0]), {"mobile_no": "+33 6 00 00 00 00"}),
				self.client.post(resource("Prospect"), {"company_name": "Faults Redis Down"}),
			]
			for status, body in refused:
				self.assertEqual(status, 503, body)
				self.assertEqual(body.get("exc_type"), "RedisUnavailableError", body)
				self.assertIn("nothing was saved", body.get("_server_messages", ""), body)
			# Reads go on.
			self.assertEqual(self.client.get(resource("Prospect", self.prospect))[0], 200)
			self.assertEqual(self.state(), before, "nothing was written, not even in part")
		finally:
			self.redis.start()
		attempted, confirmed = write_load(self.client, self.prospect, self.leads, self.company, lambda: None)
		# Every write works once Redis is back (or meets another save of the prospect: 409, to retry).
		self.assertEqual(set(attempted) - {200, 409}, set(), attempted)
		self.assertGreater(len(confirmed), len(attempted) / 2, attempted)
		checked = assert_rows_in_step(self, self.state(), self.prospect, self.leads, confirmed)
		count_faults(
			faults_injected=1,
			writes_attempted=len(attempted) + len(refused),
			writes_confirmed=len(confirmed),
			rows_checked=checked,
		)
