"""Patch: existing prospects get their website domain, the history of their leads and opportunities and their
last and next activity (install.bring_history); `bench --site S prospect-crm repair` also links the stored
emails by address."""

from prospect_crm import install


def execute():
	install.bring_history()
