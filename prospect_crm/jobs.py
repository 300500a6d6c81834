"""The app's site-wide job, repair, in the foreground (`bench --site S prospect-crm repair`) or on an RQ
worker (`repair --background`). Each step commits on its own (the rows in chunks), so a run killed half-way
keeps what it finished and a re-run, idempotent, does the rest. Progress goes to the command's output, to
the desk (Frappe's realtime progress, shown to the user who started it) and to the cache, where
`repair --background` follows it."""

import os
import socket
from datetime import datetime, timezone

import frappe
from frappe import _

REPAIR_JOB_ID = "prospect_crm_repair"
STATE_KEY = "prospect_crm:repair_state"
# Rows fixed per transaction: a save of one of them, or of their prospect, waits at most that long.
ROW_CHUNK = 100


def repair(dry_run: bool = False, echo=None) -> dict:
	"""Rebuild every prospect's lead and opportunity rows, link their history, recompute last and next
	activity and the owners' names. A dry run writes nothing and says what would change."""
	from prospect_crm import desk, follow_up, history
	from prospect_crm.backfill import rebuild_all

	# A background job runs in the site's language: its progress speaks the language of the user who
	# started it (the desk shows the title and steps as sent).
	frappe.set_user_lang(frappe.session.user)
	result = {}

	def rows():
		result["rows"] = rebuild_all(
			dry_run=dry_run,
			show_progress=bool(echo) and not dry_run,
			commit_every=0 if dry_run else ROW_CHUNK,
		)

	def links():
		# The links are written either way; a dry run counts them, then rolls back.
		result["history"] = history.relink_all()

	steps = (
		(_("Rows of leads and opportunities"), rows),
		(_("History of leads and opportunities"), links),
		(_("Last and next activity"), follow_up.refresh_all),
		(_("Owners' names"), desk.fill_owner_names),
	)
	for position, (label, step) in enumerate(steps):
		publish(position, len(steps), label, dry_run, echo)
		step()
		if not dry_run:
			frappe.db.commit()
	if dry_run:
		frappe.db.rollback()
	publish(len(steps), len(steps), _("Done"), dry_run, echo)
	return result


def publish(position: int, total: int, label: str, dry_run: bool, echo=None) -> None:
	percent = int(position * 100 / total)
	state = {"percent": percent, "step": label, "dry_run": dry_run, "done": position == total}
	frappe.cache.set_value(STATE_KEY, state, expires_in_sec=24 * 3600)
	frappe.publish_progress(percent, title=_("Repairing prospects"), description=label)
	if echo:
		echo(f"[{percent:3d}%] {label}")


def enqueue_repair(dry_run: bool = False):
	"""The repair as a background job on the long queue: one at a time per site (a second request while one is
	queued or running is not queued again: that one is returned). Returns the RQ job."""
	from frappe.utils.background_jobs import get_job, is_job_enqueued

	if is_job_enqueued(REPAIR_JOB_ID):
		job = get_job(REPAIR_JOB_ID)
		if not abandoned(job):
			return job
		# Its worker was killed (OOM killer, kill -9) before it could say so: queue the repair anew, which
		# finishes what the killed one left (each step is idempotent). Deleting the job takes it out of the
		# started registry too (RQ 1 by job id, RQ 2 by its executions).
		job.delete()
	frappe.cache.delete_value(STATE_KEY)
	return frappe.enqueue(
		"prospect_crm.jobs.repair",
		queue="long",
		timeout=4 * 3600,
		job_id=REPAIR_JOB_ID,
		deduplicate=True,
		dry_run=dry_run,
	)


def abandoned(job, silent_for: int = 120) -> bool:
	"""Whether a started job's worker is gone. Its worker's record in Redis names its host and pid: a worker of
	this machine whose process is gone is gone; a record that expired (RQ refreshes it while the worker
	lives) means the same. Otherwise the job counts as abandoned when it has had no heartbeat for
	`silent_for` seconds (RQ beats every 30 seconds while a job runs)."""
	from rq.worker import Worker

	if job.get_status() != "started":
		return False
	name = getattr(job, "worker_name", None)
	if name:
		worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=job.connection)
		if worker is None:
			return True
		if worker.hostname == socket.gethostname() and worker.pid:
			try:
				os.kill(int(worker.pid), 0)
				return False
			except ProcessLookupError:
				return True
			except PermissionError:
				return False
	beat = job.last_heartbeat or job.started_at
	if not beat:
		return False
	if beat.tzinfo is None:  # RQ 1.x keeps naive UTC times, RQ 2.x aware ones
		beat = beat.replace(tzinfo=timezone.utc)
	return (datetime.now(timezone.utc) - beat).total_seconds() > silent_for


def repair_state() -> dict | None:
	# expires=True: read from Redis each time, never from this process's local copy (it is polled).
	return frappe.cache.get_value(STATE_KEY, expires=True)
