"""The process set a Frappe site runs in production, started beside a bench without supervisor or nginx:

  web       gunicorn, WEB_WORKERS worker processes (static files served by Frappe itself; a host that
            names no site gets the default site, as nginx does on a single-site bench)
  worker    an RQ worker for the short, default and long queues (`bench worker`)
  schedule  the scheduler (`bench schedule`), enabled for the site
  socketio  Frappe's realtime server (node apps/frappe/socketio.js)

Run by the bench's Python: `env/bin/python apps/prospect_crm/scripts/processes.py start|stop|status --site S`.
Each process is started in a session of its own and stopped by its process group, so that nothing it forked
(gunicorn's workers, the RQ worker's job process, a reloader) survives a stop or keeps a port. `start` stops
the processes of an earlier start first, checks that the ports are free, then waits until each process
answers: the web server its ping (and the process listening on the port is the new master), the worker its
RQ heartbeat, the scheduler its lock and the site's scheduler setting, socket.io its handshake.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

NAMES = ("web", "worker", "schedule", "socketio")
DEFAULT_SITE_VARIABLE = "PROSPECT_CRM_DEFAULT_SITE"


class Failure(Exception):
	pass


class ProcessSet:
	def __init__(
		self, bench: str, site: str, http_port: int, socketio_port: int, web_workers: int, run_dir: str
	):
		self.bench = os.path.abspath(bench)
		self.sites = os.path.join(self.bench, "sites")
		self.site = site
		self.http_port = http_port
		self.socketio_port = socketio_port
		self.web_workers = web_workers
		self.run_dir = os.path.abspath(run_dir)
		os.makedirs(self.run_dir, exist_ok=True)

	# ---- files ----
	def pid_file(self, name: str) -> str:
		return os.path.join(self.run_dir, f"{name}.pid")

	def log_file(self, name: str) -> str:
		return os.path.join(self.run_dir, f"{name}.log")

	def pid(self, name: str) -> int | None:
		try:
			with open(self.pid_file(name)) as f:
				pid = int(f.read().strip())
		except (OSError, ValueError):
			return None
		return pid if alive(pid) else None

	# ---- commands ----
	def command(self, name: str) -> list[str]:
		python = os.path.join(self.bench, "env", "bin", "python")
		frappe_cli = [python, "-m", "frappe.utils.bench_helper", "frappe"]
		if name == "web":
			return [
				os.path.join(self.bench, "env", "bin", "gunicorn"),
				"--workers",
				str(self.web_workers),
				"--timeout",
				"120",
				"--bind",
				f"0.0.0.0:{self.http_port}",
				"--pythonpath",
				os.path.dirname(os.path.abspath(__file__)),
				"processes:application",
			]
		if name == "worker":
			return [*frappe_cli, "worker", "--queue", "short,default,long"]
		if name == "schedule":
			return [*frappe_cli, "schedule"]
		return ["node", os.path.join(self.bench, "apps", "frappe", "socketio.js")]

	def environment(self, name: str) -> dict[str, str]:
		env = dict(os.environ)
		# Frappe runs background jobs as tests when CI is set (no email leaves, for one): never in this set.
		env.pop("CI", None)
		if name == "web":
			# Without nginx in front, the desk reaches socket.io on its own port (as under `bench serve`).
			env["DEV_SERVER"] = "1"
			env[DEFAULT_SITE_VARIABLE] = self.site
		if name == "socketio":
			env["FRAPPE_SOCKETIO_PORT"] = str(self.socketio_port)
		return env

	# ---- actions ----
	def start(self) -> None:
		self.stop(quiet=True)
		for port in (self.http_port, self.socketio_port):
			holder = port_holder(port)
			if holder:
				raise Failure(
					f"port {port} is in use by {holder}; stop it or choose another port (HTTP_PORT, SOCKETIO_PORT)"
				)
		if self.site_call("scheduler_state")["running"] is True:
			raise Failure(
				f"a scheduler already runs for the bench {self.bench} (it holds config/scheduler_process); "
				"a bench has one scheduler: stop it first (scripts/up stop, supervisorctl stop, bench start)"
			)
		self.site_call("enable_scheduler")
		for name in NAMES:
			cwd = self.bench if name == "socketio" else self.sites
			with open(self.log_file(name), "ab") as log:
				process = subprocess.Popen(
					self.command(name),
					cwd=cwd,
					env=self.environment(name),
					stdin=subprocess.DEVNULL,
					stdout=log,
					stderr=subprocess.STDOUT,
					start_new_session=True,
				)
			with open(self.pid_file(name), "w") as f:
				f.write(str(process.pid))
		try:
			for name in NAMES:
				getattr(self, f"wait_{name}")()
				print(f"  {name:<9} pid {self.pid(name):<8} log {self.log_file(name)}", flush=True)
		except Failure:
			# No half-started set: what did start is stopped again.
			self.stop(quiet=True)
			raise

	def stop(self, quiet: bool = False) -> None:
		for name in NAMES:
			pid = self.pid(name)
			if pid:
				stop_group(pid)
				if not quiet:
					print(f"  {name:<9} pid {pid:<8} stopped", flush=True)
			elif not quiet:
				print(f"  {name:<9} not running", flush=True)
			try:
				os.unlink(self.pid_file(name))
			except FileNotFoundError:
				pass

	def status(self) -> bool:
		all_alive = True
		for name in NAMES:
			pid = self.pid(name)
			all_alive = all_alive and bool(pid)
			state = f"pid {pid:<8} running" if pid else "not running"
			print(f"  {name:<9} {state:<24} log {self.log_file(name)}", flush=True)
		return all_alive

	# ---- readiness ----
	def wait_web(self, seconds: int = 120) -> None:
		ping = urllib.request.Request(
			f"http://127.0.0.1:{self.http_port}/api/method/ping", headers={"Host": self.site}
		)
		self.wait("web", seconds, lambda: urllib.request.urlopen(ping, timeout=3).status == 200)
		# The answer must come from this start's server, not from one an earlier run left on the port.
		holder = port_holder(self.http_port)
		if not holder or holder[0] not in group_pids(self.pid("web")):
			raise Failure(
				f"port {self.http_port} is answered by {holder}, not by the web server just started"
			)

	def wait_worker(self, seconds: int = 60) -> None:
		pid = self.pid("worker")
		self.wait("worker", seconds, lambda: pid in self.site_call("worker_pids"))

	def wait_schedule(self, seconds: int = 30) -> None:
		states = []

		def running() -> bool:
			states.append(self.site_call("scheduler_state"))
			# Frappe 15.19 has no scheduler lock to look at ("running": None): the process being alive counts.
			return states[-1]["running"] is not False

		self.wait("schedule", seconds, running)
		state = states[-1]
		if not state["enabled"]:
			raise Failure(f"the scheduler runs but is disabled for {self.site}: {state}")

	def wait_socketio(self, seconds: int = 60) -> None:
		url = f"http://127.0.0.1:{self.socketio_port}/socket.io/?EIO=4&transport=polling"
		self.wait("socketio", seconds, lambda: urllib.request.urlopen(url, timeout=3).read().startswith(b"0"))

	def wait(self, name: str, seconds: int, check) -> None:
		deadline = time.time() + seconds
		last_error = None
		while time.time() < deadline:
			if not self.pid(name):
				break
			try:
				if check():
					return
			except Exception as e:
				last_error = e
			time.sleep(0.5)
		raise Failure(f"{name} did not become ready ({last_error or 'exited'}); see {self.log_file(name)}")

	def site_call(self, what: str):
		"""Asks the site, in a separate Frappe process, about the worker and the scheduler (or enables it)."""
		code = f"""
import json, frappe
from frappe.utils import scheduler
frappe.init(site={self.site!r}, sites_path=".")
frappe.connect()
try:
	what = {what!r}
	if what == "enable_scheduler":
		scheduler.enable_scheduler()
		frappe.db.commit()
		result = True
	elif what == "worker_pids":
		from frappe.utils.background_jobs import get_workers
		result = [w.pid for w in get_workers()]
	else:
		lock = getattr(scheduler, "is_schduler_process_running", None)
		result = {{"running": lock() if lock else None, "enabled": not scheduler.is_scheduler_inactive(verbose=False)}}
	print(json.dumps(result))
finally:
	frappe.destroy()
"""
		python = os.path.join(self.bench, "env", "bin", "python")
		out = subprocess.run([python, "-c", code], cwd=self.sites, capture_output=True, text=True, timeout=60)
		if out.returncode:
			raise Failure(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "site call failed")
		return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the web server's application ----
_application = None


def application(environ, start_response):
	"""Frappe's WSGI application with its static files, for gunicorn. A request whose host names no site of
	the bench (http://127.0.0.1:8000) is served by the default site, as nginx does for a single-site bench
	(X-Frappe-Site-Name); other sites are still chosen by their host name."""
	global _application
	if _application is None:
		import frappe.app

		_application = frappe.app.application_with_statics()
	site = os.environ.get(DEFAULT_SITE_VARIABLE)
	if site and "HTTP_X_FRAPPE_SITE_NAME" not in environ:
		host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
		if not host or not os.path.isfile(os.path.join(host, "site_config.json")):
			environ["HTTP_X_FRAPPE_SITE_NAME"] = site
	return _application(environ, start_response)


# ---- processes and ports ----
def alive(pid: int) -> bool:
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		return True
	try:
		with open(f"/proc/{pid}/stat") as f:
			return f.read().rsplit(")", 1)[1].split()[0] != "Z"
	except OSError:
		return True


def group_pids(leader: int | None) -> set[int]:
	"""The processes of the session/process group `leader` started (itself included)."""
	if not leader:
		return set()
	pids = set()
	for entry in os.listdir("/proc"):
		if entry.isdigit():
			try:
				if os.getpgid(int(entry)) == leader:
					pids.add(int(entry))
			except OSError:
				pass
	return pids


def stop_group(leader: int, seconds: int = 30) -> None:
	"""SIGTERM to the whole process group, then SIGKILL to what is left after `seconds`."""
	for sig in (signal.SIGTERM, signal.SIGKILL):
		try:
			os.killpg(leader, sig)
		except ProcessLookupError:
			return
		deadline = time.time() + seconds
		while time.time() < deadline:
			if not any(alive(pid) for pid in group_pids(leader) | {leader}):
				return
			time.sleep(0.2)


def port_holder(port: int) -> tuple[int, str] | None:
	"""(pid, command) of the process listening on 127.0.0.1:port / 0.0.0.0:port, if any."""
	try:
		import psutil
	except ImportError:
		psutil = None
	if psutil:
		for conn in psutil.net_connections(kind="tcp"):
			if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
				if conn.pid:
					try:
						return conn.pid, " ".join(psutil.Process(conn.pid).cmdline())[:120]
					except psutil.Error:
						return conn.pid, "?"
				return 0, "a process of another user"
		return None
	with socket.socket() as s:
		return (0, "another process") if s.connect_ex(("127.0.0.1", port)) == 0 else None


def main(argv: list[str]) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("action", choices=("start", "stop", "status"))
	parser.add_argument("--bench", default=os.getcwd())
	parser.add_argument("--site", required=True)
	parser.add_argument("--http-port", type=int, default=8000)
	parser.add_argument("--socketio-port", type=int, default=9000)
	parser.add_argument("--web-workers", type=int, default=2)
	parser.add_argument("--run-dir", help="pid files and logs (default: <bench>/logs/prospect-crm)")
	args = parser.parse_args(argv)
	run_dir = args.run_dir or os.path.join(args.bench, "logs", "prospect-crm")
	processes = ProcessSet(
		args.bench, args.site, args.http_port, args.socketio_port, args.web_workers, run_dir
	)
	try:
		if args.action == "start":
			processes.start()
		elif args.action == "stop":
			processes.stop()
		else:
			return 0 if processes.status() else 3
	except Failure as e:
		print(f"ERROR: {e}", file=sys.stderr)
		return 1
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
