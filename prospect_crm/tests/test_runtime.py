"""The production process set that `scripts/up` starts (scripts/processes.py): gunicorn, an RQ worker, the
scheduler and socket.io, for the test site, on free ports. The worker runs the app's background repair, the
scheduler enqueues the app's daily job when it is due, a second start replaces every process (the server
answering afterwards is the new one) and stop leaves nothing behind."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_bench_path, now_datetime
from frappe.utils.password import update_password

from prospect_crm.tests.server import artifacts_dir, free_port, site_cli
from prospect_crm.tests.utils import committed_data_prefix, make_lead, make_prospect

NAMES = ("web", "worker", "schedule", "socketio")
DAILY_JOB = "prospect_crm.status.daily"


class TestProcessSet(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bench = get_bench_path()
		cls.run_dir = artifacts_dir("processes", os.path.basename(cls.bench))
		cls.http_port, cls.socketio_port = free_port(), free_port()
		cls.script = os.path.join(frappe.get_app_path("prospect_crm"), "..", "scripts", "processes.py")
		cls.scheduler_was_enabled = frappe.db.get_single_value("System Settings", "enable_scheduler")
		# Only the app's daily job may become due while the scheduler runs on the test site.
		cls.running_job_types = frappe.get_all(  # stopped for the test, started again after it
			"Scheduled Job Type", filters={"stopped": 0, "method": ("!=", DAILY_JOB)}, pluck="name"
		)
		cls.daily = frappe.db.get_value(
			"Scheduled Job Type",
			{"method": DAILY_JOB},
			["name", "last_execution", "create_log"],
			as_dict=True,
		)
		cls.addClassCleanup(cls.restore)
		update_password("Administrator", "admin")
		for name in cls.running_job_types:
			frappe.db.set_value("Scheduled Job Type", name, "stopped", 1, update_modified=False)
		frappe.db.set_value(
			"Scheduled Job Type", cls.daily.name, "last_execution", now_datetime(), update_modified=False
		)
		frappe.db.commit()

	@classmethod
	def restore(cls):
		cls.processes("stop")
		frappe.db.rollback()
		frappe.db.set_single_value("System Settings", "enable_scheduler", cls.scheduler_was_enabled or 0)
		for name in cls.running_job_types:
			frappe.db.set_value("Scheduled Job Type", name, "stopped", 0, update_modified=False)
		frappe.db.set_value(
			"Scheduled Job Type",
			cls.daily.name,
			{"last_execution": cls.daily.last_execution, "create_log": cls.daily.create_log},
			update_modified=False,
		)
		frappe.db.commit()

	@classmethod
	def processes(cls, action: str) -> subprocess.CompletedProcess:
		return subprocess.run(
			[
				sys.executable,
				cls.script,
				action,
				"--bench",
				cls.bench,
				"--site",
				frappe.local.site,
				"--http-port",
				str(cls.http_port),
				"--socketio-port",
				str(cls.socketio_port),
				"--web-workers",
				"2",
				"--run-dir",
				cls.run_dir,
			],
			capture_output=True,
			text=True,
			timeout=600,
		)

	def pids(self) -> dict[str, int]:
		pids = {}
		for name in NAMES:
			with open(os.path.join(self.run_dir, f"{name}.pid")) as f:
				pids[name] = int(f.read())
		return pids

	def assert_alive(self, pids, alive=True):
		for name, pid in pids.items():
			self.assertEqual(os.path.exists(f"/proc/{pid}") and not zombie(pid), alive, f"{name} ({pid})")

	def ping(self) -> dict:
		request = urllib.request.Request(
			f"http://127.0.0.1:{self.http_port}/api/method/ping", headers={"Host": frappe.local.site}
		)
		with urllib.request.urlopen(request, timeout=10) as response:
			return json.loads(response.read())

	def test_the_process_set_serves_runs_jobs_schedules_and_restarts_cleanly(self):
		with scheduler_for_this_site(tick=5):
			self.check_the_process_set()

	def check_the_process_set(self):
		started = self.processes("start")
		self.assertEqual(started.returncode, 0, started.stdout + started.stderr)
		first = self.pids()
		for name in NAMES:
			self.assertRegex(started.stdout, rf"{name}\s+pid {first[name]}\s+log ")
		status = self.processes("status")
		self.assertEqual(status.returncode, 0, status.stdout + status.stderr)
		self.assertEqual(status.stdout.count(" running"), 4, status.stdout)
		self.assertEqual(self.ping(), {"message": "pong"})
		self.check_socketio_admits_a_desk_session()

		self.check_the_worker_runs_the_background_repair()
		self.check_an_email_to_an_unreachable_server_fails_visibly()
		self.check_the_scheduler_enqueues_the_daily_job()

		# A second start replaces every process; the port is answered by the new web server.
		again = self.processes("start")
		self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
		second = self.pids()
		self.assert_alive(first, alive=False)
		self.assert_alive(second)
		self.assertTrue(set(first.values()).isdisjoint(second.values()))
		self.assertEqual(self.ping(), {"message": "pong"})
		self.assertIn(listener(self.http_port), group(second["web"]), "the new server answers")

		stopped = self.processes("stop")
		self.assertEqual(stopped.returncode, 0, stopped.stdout + stopped.stderr)
		self.assert_alive(second, alive=False)
		self.assertIsNone(listener(self.http_port), "the port is free after stop")
		self.assertEqual(self.processes("status").returncode, 3)

	def check_socketio_admits_a_desk_session(self):
		"""What the desk does for live updates: log in on the web server (no Host header: the default site),
		open socket.io and join the site's namespace, which socket.io grants after asking the web server who
		the session's user is."""
		import requests

		web, sio = f"http://127.0.0.1:{self.http_port}", f"http://127.0.0.1:{self.socketio_port}/socket.io/"
		session = requests.Session()
		login = session.post(
			f"{web}/api/method/login", data={"usr": "Administrator", "pwd": "admin"}, timeout=30
		)
		self.assertEqual(login.status_code, 200, login.text)
		# socket.io takes the site from this header, else the bench's default site (for 127.0.0.1).
		origin = {"Origin": web, "X-Frappe-Site-Name": frappe.local.site}
		opened = session.get(sio, params={"EIO": 4, "transport": "polling"}, headers=origin, timeout=10)
		self.assertTrue(opened.text.startswith("0{"), opened.text)
		polling = {"EIO": 4, "transport": "polling", "sid": json.loads(opened.text[1:])["sid"]}
		namespace = f"/{frappe.local.site}"
		session.post(sio, params=polling, data=f"40{namespace},", headers=origin, timeout=10)
		joined = session.get(sio, params=polling, headers=origin, timeout=30)
		self.assertTrue(joined.text.startswith(f"40{namespace},{{"), joined.text)

	def check_the_worker_runs_the_background_repair(self):
		prefix = committed_data_prefix(self, "PCRM Runtime")
		prospect = make_prospect(prefix).name
		lead = make_lead(f"{prefix} lead", prospect=prospect).name
		frappe.db.delete("Prospect Lead", {"lead": lead})
		frappe.db.commit()
		result = site_cli("prospect-crm", "repair", "--background", timeout=300)
		self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
		self.assertIn("queued as job", result.stdout)
		self.assertIn("[100%]", result.stdout)
		self.assertIn("repair finished", result.stdout)
		frappe.db.rollback()
		self.assertEqual(frappe.db.count("Prospect Lead", {"lead": lead, "parent": prospect}), 1)

	def check_an_email_to_an_unreachable_server_fails_visibly(self):
		"""An email written on a prospect (as the desk sends it, through the web server) while the outgoing
		server does not answer: the worker's sends fail, the Email Queue says why, and after Frappe's retries
		the email is marked Error on the prospect's timeline and its sender is notified."""
		import requests

		account = frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": f"PCRM unreachable {self.http_port}",
				"email_id": "crm-unreachable@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 0,  # the site's default account stays the default; the email names this one
				"smtp_server": "127.0.0.1",
				"smtp_port": free_port(),  # nothing listens there
				"no_smtp_authentication": 1,
				"enable_incoming": 0,
			}
		).insert(ignore_permissions=True)
		self.addCleanup(forget_outgoing_accounts)
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.delete_doc, "Email Account", account.name, force=True, ignore_permissions=True)
		prefix = committed_data_prefix(self, "PCRM Mail")
		prospect = make_prospect(prefix).name
		frappe.db.commit()

		web = f"http://127.0.0.1:{self.http_port}"
		session = requests.Session()
		session.post(f"{web}/api/method/login", data={"usr": "Administrator", "pwd": "admin"}, timeout=30)
		sent = session.post(
			f"{web}/api/method/frappe.core.doctype.communication.email.make",
			data={
				"doctype": "Prospect",
				"name": prospect,
				"recipients": "buyer@example.com",
				"sender": account.email_id,
				"subject": f"{prefix} proposal",
				"content": "Hello",
				"send_email": 1,
			},
			timeout=60,
		)
		self.assertEqual(sent.status_code, 200, sent.text)
		communication = sent.json()["message"]["name"]
		queue = frappe.db.get_value("Email Queue", {"communication": communication})
		self.assertTrue(queue, "the email is queued")

		from frappe.utils.background_jobs import get_redis_conn
		from rq.job import Job

		for _attempt in range(8):
			job = frappe.enqueue("frappe.email.queue.flush", queue="short")
			deadline = time.time() + 60
			while Job.fetch(job.id, connection=get_redis_conn()).get_status() not in ("finished", "failed"):
				self.assertLess(time.time(), deadline, "the worker ran the email queue")
				time.sleep(0.5)
			frappe.db.rollback()
			status, error = frappe.db.get_value("Email Queue", queue, ["status", "error"])
			self.assertNotEqual(status, "Sent")
			# Why: in the queue's error (Frappe 15.19 keeps the message in the Error Log of the queue).
			logged = frappe.get_all(
				"Error Log",
				filters={"reference_doctype": "Email Queue", "reference_name": queue},
				pluck="error",
			)
			self.assertIn("Connection refused", "\n".join([error or "", *logged]), "the reason is kept")
			if status == "Error":
				break
		self.assertEqual(status, "Error", "after Frappe's retries the email is marked Error")
		self.assertEqual(frappe.db.get_value("Communication", communication, "delivery_status"), "Error")
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"document_type": "Email Queue", "document_name": queue, "for_user": "Administrator"},
			),
			"the sender is told the email failed",
		)

	def check_the_scheduler_enqueues_the_daily_job(self):
		since = now_datetime()
		frappe.db.set_value(
			"Scheduled Job Type",
			self.daily.name,
			{"last_execution": add_days(since, -2), "create_log": 1},
			update_modified=False,
		)
		# A site without recent activity is scheduled once a day only (Frappe 15.19's dormant sites).
		frappe.get_doc(
			{"doctype": "Activity Log", "subject": "Login", "operation": "Login", "status": "Success"}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		# The scheduler was started with a tick of 5 s (Frappe's default: 1 minute on v15, 4 on v16).
		deadline = time.time() + 120
		while time.time() < deadline:
			frappe.db.rollback()
			if frappe.db.exists(
				"Scheduled Job Log",
				{"scheduled_job_type": self.daily.name, "status": "Complete", "creation": (">=", since)},
			):
				return
			time.sleep(3)
		self.fail(f"the scheduler did not run {DAILY_JOB}; see {self.run_dir}/schedule.log and worker.log")


@contextmanager
def scheduler_for_this_site(tick: int):
	"""While the test runs: the bench's scheduler looks every `tick` seconds (it reads the tick once, at start)
	and schedules this site only (the bench's other sites paused); then both files as they were."""
	bench_sites = os.path.join(get_bench_path(), "sites")
	changes = {
		os.path.join(bench_sites, "common_site_config.json"): {
			"scheduler_tick_interval": tick,
			"pause_scheduler": 1,
		},
		os.path.join(bench_sites, frappe.local.site, "site_config.json"): {"pause_scheduler": 0},
	}
	originals = {}
	for path, values in changes.items():
		with open(path) as f:
			originals[path] = f.read()
		with open(path, "w") as f:
			json.dump({**json.loads(originals[path]), **values}, f, indent=1)
	try:
		yield
	finally:
		for path, original in originals.items():
			with open(path, "w") as f:
				f.write(original)


def forget_outgoing_accounts():
	"""Frappe keeps the outgoing accounts it looked up in the process: forget the one deleted."""
	if hasattr(frappe.local, "outgoing_email_account"):
		del frappe.local.outgoing_email_account


def zombie(pid: int) -> bool:
	try:
		with open(f"/proc/{pid}/stat") as f:
			return f.read().rsplit(")", 1)[1].split()[0] == "Z"
	except OSError:
		return True


def group(leader: int) -> set[int]:
	pids = set()
	for entry in os.listdir("/proc"):
		if entry.isdigit():
			try:
				if os.getpgid(int(entry)) == leader:
					pids.add(int(entry))
			except OSError:
				pass
	return pids


def listener(port: int) -> int | None:
	import psutil

	for conn in psutil.net_connections(kind="tcp"):
		if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
			return conn.pid
	return None
