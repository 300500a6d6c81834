"""Duplicate prospects: the keys they are compared by (normalized name, website domain, contact email domains
outside the free-mail list), the candidates of one prospect or of a name being typed (api.find_duplicates),
and a site's duplicate groups and exact-name merges (`bench --site S prospect-crm duplicates`).
No two prospects are ever compared pairwise: keys are grouped in dicts, or looked up in one scan per table.
"""

import fnmatch
import re
import unicodedata
from collections import defaultdict
from urllib.parse import urlparse

import frappe
from frappe import _

from prospect_crm.prospect_crm.doctype.prospect_crm_settings.prospect_crm_settings import free_mail_domains

# Legal forms ignored at the end of a name (after dots are removed: "S.A.R.L." is "sarl"), and the French
# ones also at its start ("SAS Dupont"). A name made only of legal forms keeps them.
LEGAL_FORMS = frozenset(
	# France, Belgium, Switzerland
	"sa sas sasu sarl eurl sci snc scs sca scop scp scic sel selarl selas selafa gie sem ei eirl cie "
	"sprl srl asbl scrl "
	# Germany, Austria
	"gmbh ag kg ohg ug kgaa ev "
	# English-speaking countries
	"ltd limited llc llp lp pllc plc inc incorporated corp corporation co company "
	# Netherlands, Italy, Spain, Portugal
	"bv nv bvba vof spa sapa sl slu sau sll lda "
	# Nordic countries, central Europe, Asia-Pacific
	"ab asa oy oyj aps sro kft zrt pte pty bhd sdn kk".split()
)
LEADING_LEGAL_FORMS = frozenset("sa sas sasu sarl eurl sci snc scop selarl gie".split())
# "Dupont & Cie", "Martin et Fils SA": a joining word left at the end once the legal form is gone.
TRAILING_JOINS = frozenset("and et und".split())

# Characters the SQL pre-filter removes from names before comparing (see prospects_like): the separators
# of words, in ASCII and the usual typographic ones (no-break spaces, dashes, quotes, guillemets).
SQL_SEPARATORS = (
	"[[:space:][:punct:]\\x{00A0}\\x{202F}\\x{2010}-\\x{2015}\\x{2018}-\\x{201F}\\x{00AB}\\x{00BB}\\x{00B7}]"
)

# Websites that host many companies' pages: the same host says nothing about the company.
SHARED_WEBSITE_HOSTS = frozenset(
	"facebook.com linkedin.com instagram.com twitter.com x.com youtube.com sites.google.com".split()
)

HOSTNAME = re.compile(r"^[^\s/@:]+\.[^\s/@:.]+$")
MAX_CANDIDATES = 50


# ---- keys ----


def name_key(company_name: str | None) -> str:
	"""The company name without case, accents, punctuation, spaces and legal forms:
	"Société Générale S.A." and "societe-generale" are both "societegenerale"."""
	text = unicodedata.normalize("NFKD", company_name or "")
	text = "".join(c for c in text if not unicodedata.combining(c)).lower()
	# Dots and apostrophes join ("S.A.R.L." is "sarl", "L'Oréal" is "loreal"); anything else separates.
	text = re.sub(r"[.'\u2019\u2018]", "", text)
	tokens = collapse_initials(re.findall(r"[^\W_]+", text))
	while len(tokens) > 1 and (tokens[-1] in LEGAL_FORMS or tokens[-1] in TRAILING_JOINS):
		tokens.pop()
	while len(tokens) > 1 and tokens[0] in LEADING_LEGAL_FORMS:
		tokens.pop(0)
	return "".join(tokens)


def collapse_initials(tokens: list[str]) -> list[str]:
	"""Runs of single characters are one word: "S A R L" is "sarl"."""
	out, in_run = [], False
	for token in tokens:
		if len(token) == 1 and in_run:
			out[-1] += token
		else:
			out.append(token)
			in_run = len(token) == 1
	return out


def website_domain(website: str | None) -> str:
	"""The host of a website, lowercase, without scheme, `www.`, port or path; "" when there is none."""
	value = (website or "").strip().lower()
	if not value:
		return ""
	if "://" not in value:
		value = f"//{value}"
	try:
		host = urlparse(value).hostname or ""
	except ValueError:
		return ""
	host = host.strip(".")
	if host.startswith("www."):
		host = host[4:]
	return host if HOSTNAME.match(host) else ""


class FreeMail:
	"""The free-mail domains of Prospect CRM Settings (read once): `domain in FreeMail()`."""

	def __init__(self, patterns: list[str] | None = None):
		patterns = free_mail_domains() if patterns is None else patterns
		self.exact = {p for p in patterns if "*" not in p and "?" not in p}
		wild = [fnmatch.translate(p) for p in patterns if p not in self.exact]
		self.wild = re.compile("|".join(wild)) if wild else None

	def __contains__(self, domain: str) -> bool:
		return domain in self.exact or bool(self.wild and self.wild.match(domain))


def company_domain(domain: str, free_mail: FreeMail) -> bool:
	"""A domain that names a company: not empty, not a free-mail provider, not a host of many companies."""
	return bool(domain) and domain not in free_mail and domain not in SHARED_WEBSITE_HOSTS


# ---- one prospect ----


def find_candidates(
	prospect: str | None = None, company_name: str | None = None, website: str | None = None
) -> list[dict]:
	"""The prospects the session user may read that may be duplicates of `prospect`, or of a prospect being
	typed: `company_name` and `website` when given, else the stored ones. Never `prospect` itself. Each is
	{"name", "company_name", "website", "reasons": ["name", "website", "email_domain"], "domains": [...],
	"detail": a translated sentence}, those with the most reasons first, at most MAX_CANDIDATES."""
	free_mail = FreeMail()
	own_emails = set()
	if prospect:
		stored = frappe.db.get_value("Prospect", prospect, ["company_name", "website"], as_dict=True) or {}
		company_name = stored.get("company_name") if company_name is None else company_name
		website = stored.get("website") if website is None else website
		own_emails = {
			d for d in contact_email_domains([prospect]).get(prospect, ()) if company_domain(d, free_mail)
		}
	key = name_key(company_name)
	domain = website_domain(website)
	if not company_domain(domain, free_mail):
		domain = ""

	found = defaultdict(lambda: defaultdict(set))  # prospect -> reason -> shared keys
	for name, company_name, website in prospects_like(key, {domain} | own_emails):
		if key and name_key(company_name) == key:
			found[name]["name"].add(key)
		their_domain = website_domain(website)
		if their_domain and their_domain == domain:
			found[name]["website"].add(their_domain)
		if their_domain in own_emails:  # their website is the domain of our contacts' addresses
			found[name]["email_domain"].add(their_domain)
	for name, their_domain in contact_email_matches({domain} | own_emails):
		found[name]["email_domain"].add(their_domain)
	found.pop(prospect, None)
	if not found:
		return []

	readable = frappe.get_list(
		"Prospect",
		filters={"name": ("in", list(found))},
		fields=["name", "company_name", "website"],
		limit=0,
	)
	candidates = []
	for row in readable:
		reasons = found[row.name]
		domains = sorted(reasons.get("website", set()) | reasons.get("email_domain", set()))
		candidates.append(
			{
				"name": row.name,
				"company_name": row.company_name,
				"website": row.website,
				"reasons": [reason for reason in ("name", "website", "email_domain") if reason in reasons],
				"domains": domains,
				"detail": describe(reasons),
			}
		)
	candidates.sort(key=lambda c: (-len(c["reasons"]), c["reasons"][0] != "name", c["name"].casefold()))
	return candidates[:MAX_CANDIDATES]


def describe(reasons: dict) -> str:
	parts = []
	if "name" in reasons:
		parts.append(_("Same name once case, accents, punctuation and legal forms are ignored"))
	if "website" in reasons:
		parts.append(_("Same website domain {0}").format(", ".join(sorted(reasons["website"]))))
	if "email_domain" in reasons:
		parts.append(_("Shares the email domain {0}").format(", ".join(sorted(reasons["email_domain"]))))
	return "; ".join(parts)


def prospects_like(key: str, domains: set[str]) -> list[tuple]:
	"""(name, company_name, website) of the prospects whose name may have `key` as normalized name or whose
	website may be on one of `domains`, in one scan of the table; the caller checks each exactly.

	A name qualifies when it contains the key once its separators are removed (case and accents are ignored
	by the column's collation). A LIKE with the key's characters in order, anything between them, is checked
	first: it is implied by that, and several times cheaper than the regular expression."""
	conditions, values = [], {"separators": SQL_SEPARATORS}
	if key:
		conditions.append(
			"(company_name like %(in_order)s "
			"and regexp_replace(company_name, %(separators)s, '') like %(contains)s)"
		)
		values["in_order"] = "%" + "%".join(like_escape(c) for c in key) + "%"
		values["contains"] = f"%{like_escape(key)}%"
	for i, domain in enumerate(sorted(d for d in domains if d)):
		conditions.append(f"website like %(website_{i})s")
		values[f"website_{i}"] = f"%{like_escape(domain)}%"
	if not conditions:
		return []
	return frappe.db.sql(
		f"select name, company_name, website from `tabProspect` where {' or '.join(conditions)}", values
	)


def like_escape(text: str) -> str:
	return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CONTACT_EMAIL_DOMAINS = """
	select distinct link.link_name, lower(substring_index(email.email_id, '@', -1))
	from `tabContact Email` email
	join `tabDynamic Link` link
		on link.parent = email.parent and link.parenttype = 'Contact' and link.link_doctype = 'Prospect'
"""


def contact_email_domains(prospects: list[str]) -> dict[str, set[str]]:
	"""The email domains of the contacts of each of `prospects`."""
	out = defaultdict(set)
	for name, domain in frappe.db.sql(
		f"{CONTACT_EMAIL_DOMAINS} where link.link_name in %(prospects)s", {"prospects": tuple(prospects)}
	):
		out[name].add(domain.strip("."))
	return out


def contact_email_matches(domains: set[str]) -> list[tuple[str, str]]:
	"""(prospect, domain) for the prospects with a contact whose email is on one of `domains`."""
	domains = {d for d in domains if d}
	if not domains:
		return []
	return frappe.db.sql(
		f"{CONTACT_EMAIL_DOMAINS} where substring_index(email.email_id, '@', -1) in %(domains)s",
		{"domains": tuple(domains)},
	)


# ---- a whole site ----


def duplicate_groups() -> list[dict]:
	"""Every group of prospects of the site that may be duplicates, in one pass over the prospects and one
	over their contacts' email domains: {"reason": "name", "key": normalized name, "prospects": [...]} and
	{"reason": "domain", "key": domain, "prospects": [...], "via": {prospect: ["email", "website"]}}.
	Prospects are oldest first (creation, then name): the first of a name group is the one kept by
	merge_exact_duplicates."""
	free_mail = FreeMail()
	company = {}

	def is_company_domain(domain):
		if domain not in company:
			company[domain] = company_domain(domain, free_mail)
		return company[domain]

	created = {}
	by_name = defaultdict(list)
	by_domain = defaultdict(lambda: defaultdict(set))
	for name, company_name, website, creation in frappe.db.sql(
		"select name, company_name, website, creation from `tabProspect`"
	):
		created[name] = creation
		key = name_key(company_name)
		if key:
			by_name[key].append(name)
		domain = website_domain(website) if website else ""
		if domain and is_company_domain(domain):
			by_domain[domain][name].add("website")
	for name, domain in frappe.db.sql(CONTACT_EMAIL_DOMAINS):
		domain = (domain or "").strip(".")
		if name in created and domain and is_company_domain(domain):
			by_domain[domain][name].add("email")

	def oldest_first(names):
		return sorted(names, key=lambda name: (created[name], name))

	groups = [
		{"reason": "name", "key": key, "prospects": oldest_first(names)}
		for key, names in sorted(by_name.items())
		if len(names) > 1
	]
	groups += [
		{
			"reason": "domain",
			"key": domain,
			"prospects": oldest_first(members),
			"via": {name: sorted(via) for name, via in members.items()},
		}
		for domain, members in sorted(by_domain.items())
		if len(members) > 1
	]
	return groups


def merge_exact_duplicates(groups: list[dict] | None = None) -> tuple[list[tuple], list[tuple]]:
	"""Merges every prospect of a name group into the group's oldest, through Frappe's rename with merge
	(Prospect.after_rename brings the rows and notes). Each merge is all or nothing (a savepoint); the caller
	commits. Returns ([(merged, into)], [(not merged, into, why)])."""
	from frappe.utils import strip_html

	merged, failed = [], []
	for group in groups if groups is not None else duplicate_groups():
		if group["reason"] != "name":
			continue
		target, *others = group["prospects"]
		for other in others:
			savepoint = f"merge_{frappe.generate_hash(length=8)}"
			frappe.db.savepoint(savepoint)
			try:
				frappe.rename_doc(
					"Prospect", other, target, merge=True, show_alert=False, rebuild_search=False
				)
			except Exception as e:
				frappe.db.rollback(save_point=savepoint)
				failed.append((other, target, strip_html(str(e)) or type(e).__name__))
			else:
				merged.append((other, target))
	frappe.clear_messages()  # the refusals are in `failed`, not for a message dialog
	return merged, failed
