"""Runs every shell block of docs/api.md, in order, against a live server, so the REST guide cannot rot."""

import os
import re
import subprocess

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.rest import api_keys
from prospect_crm.tests.server import LiveServer, artifacts_dir


def guide_blocks() -> list[str]:
	path = os.path.join(frappe.get_app_path("prospect_crm"), "..", "docs", "api.md")
	with open(path) as f:
		return re.findall(r"```sh\n(.*?)```", f.read(), flags=re.S)


class TestRestGuide(FrappeTestCase):
	def test_every_curl_example_runs(self):
		blocks = guide_blocks()
		self.assertGreaterEqual(len(blocks), 7)
		frappe.set_user("Administrator")
		key, secret = api_keys("Administrator")
		frappe.db.commit()

		server = LiveServer(artifacts_dir("api-guide"))
		try:
			script = "set -euo pipefail\n" + "\n".join(
				f"echo '--- block {i}'\n{block}" for i, block in enumerate(blocks, 1)
			)
			result = subprocess.run(
				["bash", "-c", script],
				env={**os.environ, "BASE_URL": server.base, "API_KEY": key, "API_SECRET": secret},
				capture_output=True,
				text=True,
				timeout=600,
			)
		finally:
			server.stop()
		output = result.stdout
		with open(os.path.join(artifacts_dir("api-guide"), "output.txt"), "w") as f:
			f.write(output + "\n" + result.stderr)
		self.assertEqual(result.returncode, 0, f"{output[-3000:]}\n{result.stderr[-3000:]}")
		self.assertEqual(output.count("--- block"), len(blocks))
		self.assertIn("--- block 1\nAdministrator\n", output)
		self.assertIn("duplicate prospect: HTTP 409", output)
		self.assertIn("market share over 100: HTTP 417", output)
		self.assertIn("['Call back']", output)
		self.assertIn("[[", output)  # the prospect's lead and opportunity rows
		self.assertIn("4200", output)
		self.assertTrue(
			output.rstrip().endswith("None"), "the lead outlived its prospect, with prospect cleared"
		)
