"""Runs every shell block of docs/api.md, in order, against a live server, so the REST reference cannot rot:
once as Administrator and once as a user with the Sales User role only (deleting as a Sales Manager)."""

import os
import re
import subprocess

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.rest import api_keys
from prospect_crm.tests.server import LiveServer, artifacts_dir
from prospect_crm.tests.utils import make_user

SALES_USER = "pcrm.docs.sales@example.com"
SALES_MANAGER = "pcrm.docs.manager@example.com"


def guide_blocks() -> list[str]:
	path = os.path.join(frappe.get_app_path("prospect_crm"), "..", "docs", "api.md")
	with open(path) as f:
		return re.findall(r"```sh\n(.*?)```", f.read(), flags=re.S)


class TestRestGuide(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		make_user(SALES_USER, ["Sales User"])
		make_user(SALES_MANAGER, ["Sales User", "Sales Manager", "Sales Master Manager"])
		cls.keys = {user: api_keys(user) for user in ("Administrator", SALES_USER, SALES_MANAGER)}
		frappe.db.commit()
		cls.server = LiveServer(artifacts_dir("api-guide"))
		cls.addClassCleanup(cls.server.stop)

	def run_guide(self, user: str, manager: str) -> str:
		blocks = guide_blocks()
		self.assertGreaterEqual(len(blocks), 11)
		script = "set -euo pipefail\n" + "\n".join(
			f"echo '--- block {i}'\n{block}" for i, block in enumerate(blocks, 1)
		)
		(key, secret), (manager_key, manager_secret) = self.keys[user], self.keys[manager]
		result = subprocess.run(
			["bash", "-c", script],
			env={
				**os.environ,
				"BASE_URL": self.server.base,
				"API_KEY": key,
				"API_SECRET": secret,
				"MANAGER_KEY": manager_key,
				"MANAGER_SECRET": manager_secret,
			},
			capture_output=True,
			text=True,
			timeout=600,
		)
		output = result.stdout
		with open(os.path.join(artifacts_dir("api-guide"), f"output-{user}.txt"), "w") as f:
			f.write(output + "\n" + result.stderr)
		self.assertEqual(result.returncode, 0, f"{output[-3000:]}\n{result.stderr[-3000:]}")
		self.assertEqual(output.count("--- block"), len(blocks))
		self.assertIn(f"--- block 1\n{user}\n", output)
		self.assertIn("duplicate prospect: HTTP 409", output)
		self.assertIn("DuplicateEntryError", output)
		self.assertIn("market share over 100: HTTP 417", output)
		self.assertIn("DoesNotExistError", output)
		self.assertIn("['Call back']", output)
		self.assertIn("[[", output)  # the prospect's lead and opportunity rows
		self.assertIn("4200", output)
		self.assertIn("\n2\n", output)  # two leads after add_lead_to_prospect
		self.assertIn("\nNone\n--- block", output)  # the lead outlived its prospect, with prospect cleared
		return output

	def test_every_curl_example_runs_as_administrator(self):
		self.run_guide("Administrator", "Administrator")

	def test_every_curl_example_runs_as_a_sales_user(self):
		self.run_guide(SALES_USER, SALES_MANAGER)
