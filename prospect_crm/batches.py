"""Reading a whole table a batch at a time, for the site-wide jobs (repair, patches): keyset pagination on
`name`, so each batch is one indexed query starting where the last one ended, and memory stays bounded by the
batch size whatever the size of the site."""

from collections.abc import Callable, Iterator

import frappe

BATCH = 1000


def keyset(read: Callable[[str | None, int], list], size: int = BATCH) -> Iterator[list]:
	"""Batches of `read(after, size)`: the rows whose name comes after `after` (None: from the first), in
	name order, at most `size` of them; each row a dict with a "name"."""
	after = None
	while True:
		batch = read(after, size)
		if batch:
			yield batch
		if len(batch) < size:
			return
		after = batch[-1]["name"]


def in_batches(
	doctype: str, fields: list[str], filters: list | None = None, size: int = BATCH
) -> Iterator[list]:
	"""The records of `doctype` matching `filters` (a list of filters), with `name` and `fields`, in batches."""

	def read(after, limit):
		conditions = list(filters or [])
		if after is not None:
			conditions.append([doctype, "name", ">", after])
		return frappe.get_all(
			doctype, filters=conditions, fields=["name", *fields], order_by="name asc", limit=limit
		)

	return keyset(read, size)
