"""Processes the tests and the benchmark start beside the site: a web server for the current site (Frappe's
development server, or gunicorn with several workers like production) and Frappe's CLI as an administrator
runs it. Also where their logs and other artifacts go."""

import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request

import frappe
from frappe.utils import get_bench_path


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


def artifacts_dir(*parts: str) -> str:
	root = os.environ.get("PROSPECT_CRM_ARTIFACTS") or os.path.join(
		tempfile.gettempdir(), "prospect-crm-artifacts"
	)
	path = os.path.join(root, *parts)
	os.makedirs(path, exist_ok=True)
	return path


# The browser of the desk tests: Debian's Chromium unless CHROMIUM_PATH names another.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--disable-background-networking",
	"--disable-component-update",
	"--no-first-run",
	"--disable-sync",
]


class Server:
	"""A web server process for the current site on a free port of 127.0.0.1, started and ready (it answers
	/api/method/ping) when constructed; `stop()` it, or use it as a context manager."""

	name = "server"

	def __init__(self, log_dir: str, site: str | None = None):
		self.site = site or frappe.local.site
		self.port = free_port()
		self.base = f"http://127.0.0.1:{self.port}"
		os.makedirs(log_dir, exist_ok=True)
		self.log = open(os.path.join(log_dir, f"{self.name}-{self.port}.log"), "w")
		bench = get_bench_path()
		self.process = subprocess.Popen(
			self.command(bench), cwd=f"{bench}/sites", stdout=self.log, stderr=subprocess.STDOUT
		)
		self.wait_until_ready()

	def command(self, bench: str) -> list[str]:
		raise NotImplementedError

	def wait_until_ready(self, seconds: int = 90) -> None:
		# The Host header names the site: gunicorn serves every site of the bench.
		ping = urllib.request.Request(f"{self.base}/api/method/ping", headers={"Host": self.site})
		deadline = time.time() + seconds
		while time.time() < deadline:
			if self.process.poll() is not None:
				break
			try:
				urllib.request.urlopen(ping, timeout=2)
				return
			except OSError:
				time.sleep(0.5)
		self.stop()
		raise AssertionError(f"the {self.name} did not start; see {self.log.name}")

	def stop(self) -> None:
		self.process.terminate()
		try:
			self.process.wait(timeout=30)
		except subprocess.TimeoutExpired:
			self.process.kill()
			self.process.wait()
		self.log.close()

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		self.stop()


class LiveServer(Server):
	"""Frappe's own development server (`bench serve`) for the current site."""

	def command(self, bench: str) -> list[str]:
		return [
			f"{bench}/env/bin/python",
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			self.site,
			"serve",
			"--port",
			str(self.port),
			"--noreload",
		]


class WorkerServer(Server):
	"""gunicorn with `workers` worker processes, as production serves Frappe: requests of different
	clients really run at the same time, each worker with its own database session."""

	name = "gunicorn"

	def __init__(self, log_dir: str, workers: int = 4, site: str | None = None):
		self.workers = workers
		super().__init__(log_dir, site)

	def command(self, bench: str) -> list[str]:
		return self.gunicorn(bench, "frappe.app:application", "--preload")

	def gunicorn(self, bench: str, application: str, *options: str) -> list[str]:
		"""gunicorn with this server's workers and port, serving `application`."""
		return [
			f"{bench}/env/bin/gunicorn",
			"-w",
			str(self.workers),
			"-t",
			"120",
			"-b",
			f"127.0.0.1:{self.port}",
		] + [
			*options,
			application,
		]


def frappe_cli(site: str, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
	"""Frappe's CLI (what `bench --site SITE ...` runs), in a separate process, as an administrator would."""
	bench = get_bench_path()
	return subprocess.run(
		[f"{bench}/env/bin/python", "-m", "frappe.utils.bench_helper", "frappe", "--site", site, *args],
		cwd=f"{bench}/sites",
		capture_output=True,
		text=True,
		timeout=timeout,
	)


def site_script(site: str, script: str, *args: str, timeout: int = 300, env=None) -> dict:
	"""A Python script run by the bench's Python from the sites folder, with `site` and `args` as its
	arguments (it calls frappe.init itself), as an administrator's one-off script runs; returns the JSON it
	printed on its line starting with "STATE:"."""
	bench = get_bench_path()
	result = subprocess.run(
		[f"{bench}/env/bin/python", "-c", script, site, *args],
		cwd=f"{bench}/sites",
		capture_output=True,
		text=True,
		timeout=timeout,
		env=env,
	)
	assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
	line = next(line for line in result.stdout.splitlines() if line.startswith("STATE:"))
	return json.loads(line[len("STATE:") :])


def site_cli(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
	"""`bench --site <the current site> ...` in a separate process (see frappe_cli)."""
	return frappe_cli(frappe.local.site, *args, timeout=timeout)


class DeskServer(WorkerServer):
	"""gunicorn serving the desk as production does (several workers, each with threads), with the static
	assets the development server would serve. A browser names the site in the X-Frappe-Site-Name header
	(`headers`), so that the server need not be reached by the site's host name."""

	name = "desk"

	def __init__(self, log_dir: str, workers: int = 2, threads: int = 4):
		self.threads = threads
		super().__init__(log_dir, workers=workers)

	@property
	def headers(self) -> dict[str, str]:
		return {"X-Frappe-Site-Name": self.site}

	def command(self, bench: str) -> list[str]:
		return self.gunicorn(bench, "frappe.app:application_with_statics()", "--threads", str(self.threads))
