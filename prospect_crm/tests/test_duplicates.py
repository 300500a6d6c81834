"""Duplicate prospects: the keys (names, websites, email domains, the free-mail list), find_duplicates for
each rule and for users restricted by User Permissions, bad input, the site-wide groups, and the bench command
`prospect-crm duplicates [--merge-exact]` run as an administrator runs it."""

import frappe
from frappe.exceptions import FrappeTypeError
from frappe.tests.utils import FrappeTestCase

from prospect_crm.api import find_duplicates
from prospect_crm.duplicates import FreeMail, duplicate_groups, name_key, website_domain
from prospect_crm.prospect_crm.doctype.prospect_crm_settings.prospect_crm_settings import free_mail_domains
from prospect_crm.tests.server import frappe_cli
from prospect_crm.tests.utils import (
	committed_data_prefix,
	make_contact,
	make_lead,
	make_prospect,
	make_user,
)


def tag() -> str:
	"""Letters and digits unique to the run, to put inside names, websites and email domains."""
	return frappe.generate_hash(length=8)


def by_name(candidates: list[dict]) -> dict[str, dict]:
	return {candidate["name"]: candidate for candidate in candidates}


class TestKeys(FrappeTestCase):
	def test_names_ignore_case_accents_punctuation_spaces_and_legal_forms(self):
		same = [
			"Société Générale SA",
			"societe generale",
			"SOCIETE-GENERALE S.A.",
			"Société  Générale, S.A.S.",
			"Societe Generale SARL",
			"SAS Société Générale",
			"Société Générale S A",
			"société générale\u00a0sasu",
		]
		self.assertEqual({name_key(name) for name in same}, {"societegenerale"})
		self.assertEqual(name_key("Müller GmbH & Co. KG"), name_key("MULLER"))
		self.assertEqual(name_key("Acme, Inc."), name_key("ACME LLC"))
		self.assertEqual(name_key("Acme Ltd"), name_key("Acme BV"))
		self.assertEqual(name_key("Dupont et Cie"), "dupont")
		self.assertEqual(name_key("L'Oréal"), name_key("LOREAL"))
		self.assertNotEqual(name_key("Société Générale"), name_key("Société Général"))
		self.assertEqual(name_key("SA"), "sa", "a name made only of a legal form keeps it")
		self.assertEqual(name_key("  ...  "), "")

	def test_website_domain_ignores_scheme_www_port_and_path(self):
		for website in (
			"https://www.acme.fr/fr/contact",
			"http://acme.fr",
			"acme.fr",
			"WWW.ACME.FR:8080/page?x=1",
			"https://acme.fr.",
		):
			self.assertEqual(website_domain(website), "acme.fr", website)
		self.assertEqual(website_domain("https://shop.acme.fr"), "shop.acme.fr")
		for junk in ("", None, "not a website", "http://", "acme"):
			self.assertEqual(website_domain(junk), "", junk)

	def test_free_mail_patterns(self):
		free_mail = FreeMail(["gmail.com", "hotmail.*", "yahoo.*"])
		for domain in ("gmail.com", "hotmail.fr", "hotmail.co.uk", "yahoo.com"):
			self.assertIn(domain, free_mail)
		for domain in ("acme.fr", "mygmail.com", "gmail.com.acme.fr"):
			self.assertNotIn(domain, free_mail)
		shipped = FreeMail(free_mail_domains())
		for domain in (
			"gmail.com",
			"outlook.com",
			"hotmail.fr",
			"yahoo.fr",
			"orange.fr",
			"free.fr",
			"gmx.de",
		):
			self.assertIn(domain, shipped)


class TestFindDuplicates(FrappeTestCase):
	"""In-process, on data rolled back after the class."""

	def setUp(self):
		frappe.set_user("Administrator")
		self.t = tag()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_name_with_legal_suffix_and_accents(self):
		first = make_prospect(f"Société Générale {self.t} SA").name
		second = make_prospect(f"SOCIETE-GENERALE {self.t}").name
		other = make_prospect(f"Société Générale {self.t}x").name

		typed = by_name(find_duplicates(company_name=f"societe generale {self.t}"))
		self.assertEqual(set(typed), {first, second})
		self.assertEqual(typed[first]["reasons"], ["name"])
		self.assertIn("legal forms", typed[first]["detail"])
		self.assertEqual(typed[first]["company_name"], first)

		saved = by_name(find_duplicates(prospect=second))
		self.assertEqual(set(saved), {first}, "a prospect is never its own duplicate, other names differ")
		self.assertNotIn(other, saved)
		# What the form holds replaces the stored name.
		self.assertEqual(set(by_name(find_duplicates(prospect=first, company_name=f"{other} SARL"))), {other})

	def test_website_variants(self):
		domain = f"{self.t}-acme.fr"
		first = make_prospect(f"Acme One {self.t}", website=f"https://www.{domain}/fr/contact").name
		second = make_prospect(f"Acme Two {self.t}", website=f"http://{domain}").name
		third = make_prospect(f"Acme Three {self.t}", website=f"{domain}/about").name
		shop = make_prospect(f"Acme Shop {self.t}", website=f"https://shop.{domain}").name

		found = by_name(find_duplicates(prospect=first))
		self.assertEqual(set(found), {second, third})
		self.assertEqual(found[second]["reasons"], ["website"])
		self.assertEqual(found[second]["domains"], [domain])
		typed = find_duplicates(website=f"WWW.{domain.upper()}/x")
		self.assertEqual({c["name"] for c in typed}, {first, second, third})
		self.assertEqual({c["name"] for c in find_duplicates(prospect=shop)}, set())

	def two_prospects_sharing(self, domain: str, *names: str) -> list[str]:
		"""Prospects whose contacts write from `domain` (the second one in capitals)."""
		prospects = [make_prospect(f"{name} {self.t}").name for name in names]
		for i, prospect in enumerate(prospects):
			address = f"contact{i}@{domain}"
			make_contact(f"Contact {i}", [("Prospect", prospect)], email=address.upper() if i else address)
		return prospects

	def test_contact_email_domains(self):
		domain = f"{self.t}acme.fr"
		first, second = self.two_prospects_sharing(domain, "Acme North", "Acme South")
		by_gmail = [make_prospect(f"Freelance {i} {self.t}").name for i in range(2)]
		for i, prospect in enumerate(by_gmail):
			make_contact(f"Gmail {i}", [("Prospect", prospect)], email=f"pcrm.{self.t}.{i}@gmail.com")
		with_website = make_prospect(f"Acme Web {self.t}", website=f"https://{domain}").name

		found = by_name(find_duplicates(prospect=first))
		self.assertEqual(set(found), {second, with_website})
		self.assertEqual(found[second]["reasons"], ["email_domain"])
		self.assertEqual(found[second]["domains"], [domain])
		self.assertIn(domain, found[second]["detail"])
		# The website of one is the email domain of the other's contacts, both ways.
		self.assertEqual(found[with_website]["reasons"], ["email_domain"])
		self.assertIn(first, by_name(find_duplicates(website=domain)))
		self.assertEqual(
			[c["name"] for c in find_duplicates(prospect=by_gmail[0])], [], "free-mail domains never match"
		)

	def test_an_edited_free_mail_list_takes_effect(self):
		domain = f"{self.t}mail.example"
		first, second = self.two_prospects_sharing(domain, "Mail One", "Mail Two")
		self.assertIn(second, by_name(find_duplicates(prospect=first)))

		settings = frappe.get_single("Prospect CRM Settings")
		before = settings.free_mail_domains
		self.addCleanup(restore_free_mail_domains, before)
		settings.free_mail_domains = f"{before}\n{self.t}mail.*"
		settings.save()
		self.assertNotIn(second, by_name(find_duplicates(prospect=first)))
		self.assertIn(f"{self.t}mail.*", free_mail_domains())

		settings.free_mail_domains = "\n\n"
		settings.save()
		self.assertIn("gmail.com", settings.free_mail_domains.splitlines(), "emptied: the shipped list again")
		self.assertIn(second, by_name(find_duplicates(prospect=first)))

		settings.free_mail_domains = "not a domain!"
		self.assertRaises(frappe.ValidationError, settings.save)

	def test_bad_input_is_a_clear_error(self):
		prospect = make_prospect(f"Bad Input {self.t}").name
		cases = [
			{},
			{"company_name": "  "},
			{"company_name": {"$ne": 1}},
			{"company_name": ["a", "b"]},
			{"company_name": "x" * 141},
			{"website": "not a website"},
			{"website": 12},
			{"prospect": prospect, "website": "http://"},
		]
		for kwargs in cases:
			# Frappe refuses wrong types itself (FrappeTypeError, HTTP 417); the rest is ours.
			with self.subTest(kwargs=kwargs), self.assertRaises((frappe.ValidationError, FrappeTypeError)):
				find_duplicates(**kwargs)
		self.assertRaises(frappe.DoesNotExistError, find_duplicates, prospect=f"Missing {self.t}")
		self.assertEqual(find_duplicates(prospect=prospect), [])

	def test_only_prospects_the_user_may_read(self):
		territories = [f"PCRM Dup North {self.t}", f"PCRM Dup South {self.t}"]
		for territory in territories:
			frappe.get_doc(
				{"doctype": "Territory", "territory_name": territory, "parent_territory": "All Territories"}
			).insert()
		user = make_user("pcrm.dup.north@example.com", ["Sales User"])
		frappe.db.delete("User Permission", {"user": user})
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": "Territory",
				"for_value": territories[0],
				"apply_to_all_doctypes": 1,
			}
		).insert()
		domain = f"{self.t}secret.fr"
		north = make_prospect(f"Dup {self.t} North SA", territory=territories[0], website=f"https://{domain}")
		north_too = make_prospect(f"dup {self.t} north", territory=territories[0]).name
		south = make_prospect(f"DUP {self.t} NORTH SARL", territory=territories[1], website=domain).name
		south_mail = make_prospect(f"Secret {self.t}", territory=territories[1]).name
		make_contact("Eve", [("Prospect", south_mail)], email=f"eve@{domain}")

		self.assertEqual(
			set(by_name(find_duplicates(prospect=north.name))),
			{north_too, south, south_mail},
			"Administrator",
		)
		frappe.set_user(user)
		self.assertEqual(set(by_name(find_duplicates(prospect=north.name))), {north_too})
		self.assertEqual(
			set(by_name(find_duplicates(company_name=north.company_name))), {north.name, north_too}
		)
		self.assertRaises(frappe.PermissionError, find_duplicates, prospect=south)
		frappe.set_user("Guest")
		self.assertRaises(frappe.PermissionError, find_duplicates, company_name=north.company_name)

	def test_french(self):
		first = make_prospect(f"Français {self.t} SAS").name
		second = make_prospect(f"francais {self.t}", website=f"https://{self.t}.example.fr").name
		make_prospect(f"Autre {self.t}", website=f"{self.t}.example.fr")
		frappe.local.lang = "fr"
		self.addCleanup(setattr, frappe.local, "lang", "en")
		frappe.clear_cache()
		details = {c["name"]: c["detail"] for c in find_duplicates(prospect=second)}
		self.assertEqual(
			details[first],
			"Même nom, sans tenir compte de la casse, des accents, de la ponctuation et des formes juridiques",
		)
		self.assertIn(f"Même domaine de site web {self.t}.example.fr", details.values())
		with self.assertRaisesRegex(frappe.ValidationError, "Indiquez un prospect"):
			find_duplicates()
		for source in ("Possible duplicates", "This prospect may be a duplicate of:", "Save it anyway?"):
			self.assertNotEqual(frappe._(source), source, "the form's words are French too")

	def test_site_groups(self):
		first = make_prospect(f"Groupe {self.t} SA").name
		second = make_prospect(f"groupe {self.t}").name
		frappe.db.set_value("Prospect", second, "creation", "2001-01-01", update_modified=False)
		web = make_prospect(f"Web {self.t}", website=f"https://www.{self.t}.example.fr").name
		mail = make_prospect(f"Mail {self.t}").name
		make_contact("Frank", [("Prospect", mail)], email=f"frank@{self.t}.example.fr")

		groups = {(group["reason"], group["key"]): group for group in duplicate_groups()}
		self.assertEqual(groups["name", f"groupe{self.t}"]["prospects"], [second, first], "oldest first")
		domain = groups["domain", f"{self.t}.example.fr"]
		self.assertEqual(set(domain["prospects"]), {web, mail})
		self.assertEqual(domain["via"], {web: ["website"], mail: ["email"]})


class TestFindDuplicatesOverRest(FrappeTestCase):
	"""/api/method/prospect_crm.api.find_duplicates through Frappe's WSGI application, in this process
	(Frappe's own API test client), as a Sales User authenticated by API key. The request has its own database
	connection: the data is committed under names unique to the run, and deleted afterwards."""

	@classmethod
	def setUpClass(cls):
		from frappe.core.doctype.user.user import generate_keys

		super().setUpClass()
		cls.prefix = committed_data_prefix(cls, "PCRM Dup Rest")
		cls.first = make_prospect(f"{cls.prefix} Acme SA").name
		cls.second = make_prospect(f"{cls.prefix} ACME").name
		user = make_user("pcrm.dup.rest@example.com", ["Sales User"])
		secret = generate_keys(user)["api_secret"]
		cls.auth = f"token {frappe.db.get_value('User', user, 'api_key')}:{secret}"
		frappe.db.commit()

	def call(self, http_method: str = "GET", **args):
		from frappe.tests.test_api import make_request
		from frappe.utils import get_test_client

		client = get_test_client()
		kwargs = {"headers": {"Authorization": self.auth}}
		kwargs["query_string" if http_method == "GET" else "json"] = args
		target = client.get if http_method == "GET" else client.post
		return make_request(
			target=target, args=("/api/method/prospect_crm.api.find_duplicates",), kwargs=kwargs
		)

	def test_candidates_with_reasons(self):
		response = self.call(prospect=self.second)
		self.assertEqual(response.status_code, 200, response.text)
		candidates = response.json["message"]
		self.assertEqual([c["name"] for c in candidates], [self.first])
		self.assertEqual(candidates[0]["reasons"], ["name"])
		response = self.call("POST", company_name=f"{self.prefix.lower()} acme sarl")
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual({c["name"] for c in response.json["message"]}, {self.first, self.second})

	def test_bad_input_is_refused_with_a_message(self):
		for http_method, args in (
			("GET", {}),
			("POST", {"company_name": {"$ne": 1}}),
			("POST", {"website": "javascript:alert(1)"}),
		):
			with self.subTest(args=args):
				response = self.call(http_method, **args)
				self.assertEqual(response.status_code, 417, response.text)
				self.assertTrue(response.json.get("exception") or response.json.get("_server_messages"))
		response = self.call(prospect=f"{self.prefix} Nobody")
		self.assertEqual(response.status_code, 404, response.text)


def restore_free_mail_domains(value):
	settings = frappe.get_single("Prospect CRM Settings")
	settings.free_mail_domains = value
	settings.save()


class TestDuplicatesCommand(FrappeTestCase):
	"""`bench --site S prospect-crm duplicates [--merge-exact]` in a separate process, which sees only
	committed data: these prospects are committed under names unique to the run, and deleted afterwards."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.prefix = committed_data_prefix(cls, "PCRM Dup")
		cls.oldest = make_prospect(f"{cls.prefix} Boulangerie Martin SARL").name
		frappe.db.set_value("Prospect", cls.oldest, "creation", "2001-01-01", update_modified=False)
		cls.variants = [
			make_prospect(f"{cls.prefix} boulangerie-martin").name,
			make_prospect(f"{cls.prefix} BOULANGERIE MARTIN S.A.S.").name,
		]
		cls.lead = make_lead(f"{cls.prefix} lead", prospect=cls.variants[1]).name
		cls.domain = f"{tag()}.example.fr"
		cls.websites = [
			make_prospect(f"{cls.prefix} Web {i}", website=f"https://www.{cls.domain}/{i}").name
			for i in range(2)
		]
		cls.key = name_key(cls.oldest)
		frappe.db.commit()

	def cli(self, *args):
		result = frappe_cli(frappe.local.site, "prospect-crm", "duplicates", *args)
		self.assertEqual(result.returncode, 0, result.stderr)
		frappe.db.rollback()  # a fresh snapshot of what the other process committed
		return result.stdout

	def test_list_shows_each_group_and_changes_nothing(self):
		out = self.cli()
		self.assertIn(
			f"same name ({self.key}): {' | '.join([self.oldest, *sorted_by_creation(self.variants)])}", out
		)
		self.assertIn(
			f"same domain {self.domain}: {' | '.join(f'{name} (website)' for name in self.websites)}", out
		)
		self.assertRegex(out, r"\n\d+ group\(s\) of possible duplicates\n")
		self.assertNotIn("merged", out)
		for name in (self.oldest, *self.variants):
			self.assertTrue(frappe.db.exists("Prospect", name))

	def test_merge_exact_merges_into_the_oldest(self):
		out = self.cli("--merge-exact")
		for name in self.variants:
			self.assertIn(f"merged {name} into {self.oldest}", out)
			self.assertFalse(frappe.db.exists("Prospect", name))
		self.assertTrue(frappe.db.exists("Prospect", self.oldest))
		self.assertEqual(frappe.db.get_value("Lead", self.lead, "prospect"), self.oldest)
		self.assertEqual(
			frappe.get_all("Prospect Lead", filters={"lead": self.lead}, pluck="parent"), [self.oldest]
		)
		self.assertNotIn(f"same name ({self.key})", out, "the list after merging")
		self.assertIn(f"same domain {self.domain}", out, "other reasons are listed, not merged")
		self.assertTrue(all(frappe.db.exists("Prospect", name) for name in self.websites))


def sorted_by_creation(names: list[str]) -> list[str]:
	created = dict(
		frappe.get_all("Prospect", filters={"name": ("in", names)}, fields=["name", "creation"], as_list=True)
	)
	return sorted(names, key=lambda name: (created[name], name))
