"""A real web server for the tests that talk to the site like a browser or a REST client would."""

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


class LiveServer:
	"""Frappe's own server (`bench serve`) for the current site, on a free port of 127.0.0.1."""

	def __init__(self, log_dir: str):
		self.port = free_port()
		self.base = f"http://127.0.0.1:{self.port}"
		os.makedirs(log_dir, exist_ok=True)
		self.log = open(os.path.join(log_dir, f"server-{self.port}.log"), "w")
		bench = get_bench_path()
		self.process = subprocess.Popen(
			[
				f"{bench}/env/bin/python",
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				frappe.local.site,
				"serve",
				"--port",
				str(self.port),
				"--noreload",
			],
			cwd=f"{bench}/sites",
			stdout=self.log,
			stderr=subprocess.STDOUT,
		)
		deadline = time.time() + 90
		while time.time() < deadline:
			try:
				urllib.request.urlopen(f"{self.base}/api/method/ping", timeout=2)
				return
			except OSError:
				time.sleep(0.5)
		self.stop()
		raise AssertionError(f"the test server did not start; see {self.log.name}")

	def stop(self):
		self.process.terminate()
		try:
			self.process.wait(timeout=30)
		except subprocess.TimeoutExpired:
			self.process.kill()
		self.log.close()


def artifacts_dir(*parts: str) -> str:
	root = os.environ.get("PROSPECT_CRM_ARTIFACTS") or os.path.join(
		tempfile.gettempdir(), "prospect-crm-artifacts"
	)
	path = os.path.join(root, *parts)
	os.makedirs(path, exist_ok=True)
	return path


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
