"""Requests per second of a running Frappe web server for the desk's common calls on prospects, with several
clients at once: what one gunicorn worker (or several) serves on this machine. Run by the bench's Python
against a server of `scripts/up` (or any URL):

  env/bin/python apps/prospect_crm/scripts/throughput.py --url http://127.0.0.1:8000 [--clients 4] [--seconds 10]

Logs in as the given user, picks a prospect, then for each call runs the clients for the given time and
prints calls per second, the median and 95th percentile latency, and errors.
"""

import argparse
import statistics
import threading
import time

import requests


def calls(prospect: str) -> dict[str, tuple[str, str, dict]]:
	return {
		"prospect list (first page)": (
			"GET",
			"/api/method/frappe.desk.reportview.get",
			{
				"doctype": "Prospect",
				"fields": '["`tabProspect`.`name`","`tabProspect`.`status`","`tabProspect`.`modified`"]',
				"order_by": "`tabProspect`.`modified` desc",
				"start": 0,
				"page_length": 20,
			},
		),
		"prospect form (getdoc)": (
			"GET",
			"/api/method/frappe.desk.form.load.getdoc",
			{"doctype": "Prospect", "name": prospect},
		),
		"prospect by REST (GET /api/resource)": ("GET", f"/api/resource/Prospect/{prospect}", {}),
		"Prospect Pipeline report": (
			"GET",
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Prospect Pipeline", "filters": "{}"},
		),
	}


def measure(session_cookies, base: str, method: str, path: str, params: dict, clients: int, seconds: float):
	latencies, errors = [], []
	lock = threading.Lock()
	stop_at = time.monotonic() + seconds

	def client():
		session = requests.Session()
		session.cookies.update(session_cookies)
		while time.monotonic() < stop_at:
			start = time.monotonic()
			try:
				response = session.request(method, base + path, params=params, timeout=60)
				ok = response.status_code == 200
			except requests.RequestException:
				ok = False
			with lock:
				(latencies if ok else errors).append(time.monotonic() - start)

	threads = [threading.Thread(target=client) for _ in range(clients)]
	started = time.monotonic()
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	elapsed = time.monotonic() - started
	latencies.sort()
	return {
		"per_second": len(latencies) / elapsed,
		"median_ms": statistics.median(latencies) * 1000 if latencies else 0,
		"p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0,
		"errors": len(errors),
	}


def main():
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--url", default="http://127.0.0.1:8000")
	parser.add_argument("--user", default="Administrator")
	parser.add_argument("--password", default="admin")
	parser.add_argument("--clients", type=int, default=4)
	parser.add_argument("--seconds", type=float, default=10)
	args = parser.parse_args()

	session = requests.Session()
	login = session.post(f"{args.url}/api/method/login", data={"usr": args.user, "pwd": args.password})
	login.raise_for_status()
	listed = session.get(
		f"{args.url}/api/resource/Prospect", params={"limit_page_length": 1, "order_by": "modified desc"}
	)
	listed.raise_for_status()
	prospect = listed.json()["data"][0]["name"]
	print(f"{args.clients} clients, {args.seconds:g} s per call, prospect {prospect!r}")
	print("| call | calls/s | median ms | p95 ms | errors |\n| --- | ---: | ---: | ---: | ---: |")
	for label, (method, path, params) in calls(prospect).items():
		result = measure(session.cookies, args.url, method, path, params, args.clients, args.seconds)
		print(
			f"| {label} | {result['per_second']:.1f} | {result['median_ms']:.0f} | {result['p95_ms']:.0f} "
			f"| {result['errors']} |"
		)


if __name__ == "__main__":
	main()
