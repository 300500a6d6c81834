"""Patch: existing prospects get their derived status and group pipeline amount, without touching
`modified` (set-based, prospect_crm.status)."""

from prospect_crm import status


def execute():
	status.update_statuses()
	status.update_group_amounts()
