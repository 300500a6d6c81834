"""Bench commands: `bench --site S prospect-crm repair|ownership|demo|stats|duplicates`."""

import click
from frappe.commands import get_site, pass_context


@click.group("prospect-crm")
def prospect_crm_group():
	"""Prospect CRM administration."""


def on_site(context, function):
	import frappe

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		return function(frappe)
	finally:
		frappe.destroy()


@prospect_crm_group.command("repair")
@click.option("--dry-run", is_flag=True, help="Show what would change without writing.")
@click.option(
	"--background", is_flag=True, help="Run it on a background worker (queue long) and follow its progress."
)
@click.option("--no-wait", is_flag=True, help="With --background: queue the job and return at once.")
@pass_context
def repair(context, dry_run=False, background=False, no_wait=False):
	"""Rebuild every prospect's lead and opportunity rows from the Leads and Opportunities, then link their
	history (emails, events, comment copies) and recompute last and next activity and the owners' names.
	Each step commits on its own: a run killed half-way is finished by running it again."""

	def run(frappe):
		from prospect_crm import jobs

		if background:
			job = jobs.enqueue_repair(dry_run=dry_run)
			frappe.db.commit()
			click.echo(f"queued as job {job.id} on queue long")
			if not no_wait:
				follow_job(job, jobs.repair_state)
			return
		result = jobs.repair(dry_run=dry_run, echo=click.echo)
		report, linked = result["rows"], result["history"]
		click.echo()
		for kind in ("added", "refreshed", "removed"):
			for doctype, prospect, link_name in report[kind]:
				click.echo(f"{'would be ' if dry_run else ''}{kind}: {doctype} {link_name} in {prospect}")
			if report["counts"][kind] > len(report[kind]):
				click.echo(f"… and {report['counts'][kind] - len(report[kind])} more {kind}")
		total = sum(report["counts"].values())
		click.echo(
			f"history: {linked['links']} email link(s), {linked['participants']} event participant(s), "
			f"{linked['comments']} comment copy(ies) {'to add' if dry_run else 'added'}"
		)
		click.echo(f"{total} row(s) {'to change' if dry_run else 'changed'}")

	on_site(context, run)


def follow_job(job, state, poll: float = 1.0, hint_after: float = 30) -> None:
	"""Prints the job's progress until it ends; the job goes on if the command is interrupted."""
	import time

	started, last, hinted = time.monotonic(), None, False
	while True:
		status = job.get_status(refresh=True)
		current = state()
		if current and current.get("step") != last:
			last = current.get("step")
			click.echo(f"[{current['percent']:3d}%] {last}")
		if status in ("finished", "failed", "stopped", "canceled"):
			break
		if status == "queued" and not hinted and time.monotonic() - started > hint_after:
			hinted = True
			click.echo("still queued: is a worker running for queue long? (bench worker, scripts/up)")
		time.sleep(poll)
	if status != "finished":
		raise click.ClickException(f"the repair job ended as {status}; see the Error Log or the worker's log")
	click.echo("repair finished")


@prospect_crm_group.command("ownership")
@pass_context
def ownership(context):
	"""Show which app owns the Prospect DocTypes and whether ERPNext's copy is dormant."""

	def run(frappe):
		from prospect_crm.takeover import class_overrides, customizations, ownership_report

		for row in ownership_report():
			click.echo(
				f"{row['doctype']}: module {row['module']} (app {row['app']}), rows {row['rows']}, "
				f"our definition {'in place' if row['matches_our_json'] else 'NOT in place'}, "
				f"ERPNext's copy {'dormant' if row['erpnext_copy_dormant'] else 'ACTIVE'}"
			)
		for doctype, counts in customizations().items():
			if any(counts.values()):
				click.echo(
					f"{doctype}: customized ({counts['property_setters']} property setter(s), "
					f"{counts['custom_fields']} custom field(s)), kept by install, migrate and uninstall"
				)
		if "prospect_crm" not in frappe.get_installed_apps():
			click.echo("prospect_crm is not installed on this site: ERPNext owns Prospect")
			return
		for row in class_overrides():
			if row["class"] == row["ours"]:
				click.echo(f"{row['doctype']} class: {row['class']} (this app's)")
			elif row["keeps_ours"]:
				click.echo(
					f"{row['doctype']} class: {row['class']} (another app's, a subclass of this app's)"
				)
			else:
				click.echo(
					f"{row['doctype']} class: {row['class']} — WARNING: another app overrides {row['doctype']} "
					f"after prospect_crm ({', '.join(row['all'])}); the prospect's rows are not filled when a "
					f"{row['doctype']} is saved until that class subclasses {row['ours']}"
				)

	on_site(context, run)


@prospect_crm_group.command("demo")
@pass_context
def demo(context):
	"""Load the demo prospects (idempotent: existing ones are kept)."""

	def run(frappe):
		from prospect_crm.demo import load_demo_data

		load_demo_data()

	on_site(context, run)


@prospect_crm_group.command("stats")
@click.option(
	"--days", default=30, show_default=True, help="Days without activity that make a prospect idle."
)
@pass_context
def stats(context, days=30):
	"""Counts, open pipeline amount, and prospects without activity for --days days."""

	def run(frappe):
		from prospect_crm.dashboard import get_stats

		data = get_stats(days)
		click.echo(f"prospects: {data['prospects']}")
		click.echo(f"lead rows: {data['lead_rows']}")
		click.echo(f"opportunity rows: {data['opportunity_rows']}")
		click.echo(f"open pipeline amount: {data['open_pipeline_amount']}")
		click.echo(f"without activity for {days} days: {len(data['inactive_prospects'])}")
		for name in data["inactive_prospects"]:
			click.echo(f"  {name}")

	on_site(context, run)


@prospect_crm_group.command("duplicates")
@click.option(
	"--merge-exact",
	is_flag=True,
	help="Merge prospects whose normalized names are equal into the oldest of them.",
)
@pass_context
def duplicates(context, merge_exact=False):
	"""List the groups of prospects that may be duplicates (same normalized name, website or email domain)."""

	def run(frappe):
		from prospect_crm.duplicates import duplicate_groups, merge_exact_duplicates

		groups = duplicate_groups()
		if merge_exact:
			merged, failed = merge_exact_duplicates(groups)
			frappe.db.commit()
			for name, into in merged:
				click.echo(f"merged {name} into {into}")
			for name, into, why in failed:
				click.echo(f"could not merge {name} into {into}: {why}")
			click.echo(f"{len(merged)} prospect(s) merged, {len(failed)} failed")
			if merged:
				frappe.enqueue("frappe.utils.global_search.rebuild_for_doctype", doctype="Prospect")
				groups = duplicate_groups()
		for group in groups:
			if group["reason"] == "name":
				click.echo(f"same name ({group['key']}): {' | '.join(group['prospects'])}")
			else:
				members = (f"{name} ({', '.join(group['via'][name])})" for name in group["prospects"])
				click.echo(f"same domain {group['key']}: {' | '.join(members)}")
		click.echo(f"{len(groups)} group(s) of possible duplicates")

	on_site(context, run)


commands = [prospect_crm_group]
