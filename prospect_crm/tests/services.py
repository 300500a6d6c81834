"""Database and Redis servers a test owns: started on free ports of 127.0.0.1 with data folders of their own
(never the machine's shared servers), so that the test may stop, kill and restart them."""

import os
import shutil
import subprocess
import time

import pymysql
import redis
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from prospect_crm.tests.server import artifacts_dir, free_port


def binary(*names: str) -> str:
	for name in names:
		for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
			if candidate and os.path.exists(candidate):
				return candidate
	raise AssertionError(f"{names[0]} not found: the test needs its server package")


class OwnServer:
	"""A server process on a free port; `stop()`, `start()` again on the same port and data, `close()`."""

	name = "server"

	def __init__(self, base: str, name: str):
		self.base, self.label = base, name
		self.port = free_port()
		self.process = None
		self.log = open(os.path.join(base, f"{name}.log"), "a")
		self.start()

	def command(self) -> list[str]:
		raise NotImplementedError

	def answers(self) -> bool:
		raise NotImplementedError

	def start(self, seconds: int = 60) -> None:
		self.process = subprocess.Popen(
			self.command(), cwd=self.base, stdout=self.log, stderr=subprocess.STDOUT
		)
		deadline = time.time() + seconds
		while time.time() < deadline:
			if self.answers():
				return
			assert self.process.poll() is None, f"the {self.label} server stopped; see {self.log.name}"
			time.sleep(0.2)
		raise AssertionError(f"the {self.label} server did not start; see {self.log.name}")

	def stop(self, kill: bool = False) -> None:
		if not self.process or self.process.poll() is not None:
			return
		self.process.kill() if kill else self.process.terminate()
		try:
			self.process.wait(timeout=60)
		except subprocess.TimeoutExpired:
			self.process.kill()
			self.process.wait()

	def close(self) -> None:
		self.stop()
		self.log.close()


class MariaDBServer(OwnServer):
	"""mariadbd with a fresh data folder; root has no password and is reached on 127.0.0.1:port."""

	def __init__(self, base: str, name: str, server_id: int = 1, extra: list[str] | None = None):
		self.datadir = os.path.join(base, name)
		self.server_id, self.extra = server_id, extra or []
		install = subprocess.run(
			[
				binary("mariadb-install-db", "mysql_install_db"),
				"--no-defaults",
				f"--datadir={self.datadir}",
				"--auth-root-authentication-method=normal",
				"--skip-test-db",
			],
			capture_output=True,
			text=True,
		)
		assert install.returncode == 0, install.stdout + install.stderr
		super().__init__(base, name)

	def command(self) -> list[str]:
		return [
			binary("mariadbd", "mysqld"),
			"--no-defaults",
			f"--datadir={self.datadir}",
			f"--port={self.port}",
			"--bind-address=127.0.0.1",
			f"--socket={os.path.join(self.base, self.label + '.sock')}",
			f"--pid-file={os.path.join(self.base, self.label + '.pid')}",
			f"--server-id={self.server_id}",
			"--character-set-server=utf8mb4",
			"--collation-server=utf8mb4_unicode_ci",
			*self.extra,
		]

	def answers(self) -> bool:
		try:
			pymysql.connect(host="127.0.0.1", port=self.port, user="root", password="").close()
			return True
		except pymysql.MySQLError:
			return False

	def sql(self, *statements: str, database: str | None = None) -> tuple:
		connection = pymysql.connect(
			host="127.0.0.1", port=self.port, user="root", password="", database=database, autocommit=True
		)
		try:
			with connection.cursor() as cursor:
				for statement in statements:
					cursor.execute(statement)
				return cursor.fetchall()
		finally:
			connection.close()

	def close(self) -> None:
		"""Stopped, and its data folder removed (its log stays, among the test's artifacts)."""
		super().close()
		shutil.rmtree(self.datadir, ignore_errors=True)

	def add_admin(self, user: str, password: str) -> None:
		"""An account with every privilege, for Frappe's new-site (it does not log in as root here)."""
		self.sql(
			*(
				statement
				for host in ("%", "localhost")
				for statement in (
					f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'",
					f"GRANT ALL ON *.* TO '{user}'@'{host}' WITH GRANT OPTION",
				)
			)
		)


class RedisServer(OwnServer):
	"""redis-server without persistence: what it held is gone when it stops, as after a restart of a cache."""

	def command(self) -> list[str]:
		return [
			binary("redis-server"),
			"--port",
			str(self.port),
			"--bind",
			"127.0.0.1",
			"--save",
			"",
			"--appendonly",
			"no",
			"--dir",
			self.base,
		]

	def answers(self) -> bool:
		try:
			return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1).ping()
		except redis.exceptions.RedisError:
			return False

	@property
	def url(self) -> str:
		return f"redis://127.0.0.1:{self.port}"


class OwnServersTestCase(FrappeTestCase):
	"""A test case whose site lives on servers of its own: `base` is an emptied artifacts folder named `KIND`
	for this bench, the servers put in `servers` are closed at the end (last started first, a web server
	stopped) and the site's folder is removed (its database lived on those servers)."""

	KIND = "servers"
	SITE = ""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.bench = get_bench_path()
		cls.base = artifacts_dir(cls.KIND, os.path.basename(cls.bench))
		shutil.rmtree(cls.base, ignore_errors=True)
		os.makedirs(cls.base)
		cls.servers = []
		cls.addClassCleanup(cls.close_servers)

	@classmethod
	def close_servers(cls):
		for server in reversed(cls.servers):
			server.close() if isinstance(server, OwnServer) else server.stop()
		if cls.SITE:
			shutil.rmtree(os.path.join(cls.bench, "sites", cls.SITE), ignore_errors=True)
