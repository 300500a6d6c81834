"""Demo data for the `up` command and `bench prospect-crm demo`: a few prospects with leads,
opportunities, addresses, contacts, notes and tasks. Idempotent: existing demo records are kept."""


def load_demo_data() -> None:
	print("no demo data yet")
