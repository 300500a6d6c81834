# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""Open and weighted pipeline per prospect owner (full names), over the prospects the user may read."""

from frappe import _

from prospect_crm import numbers
from prospect_crm.charts import pipeline_chart


def by_owner() -> tuple[list[str], list[tuple]]:
	rows = numbers.pipeline_by_owner(numbers.readable())
	names = numbers.full_names([owner for owner, _open, _weighted in rows])
	return [names[owner] if owner else _("No owner") for owner, _open, _weighted in rows], rows


get = pipeline_chart(by_owner)
