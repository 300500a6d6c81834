"""Demo data for the `up` command and `bench --site S prospect-crm demo`: a French sales pipeline of eight
prospects across several regions and industries, owned by a small sales team, each with its address, leads
and contacts, opportunities at every sales stage, tasks (some overdue, some due this week), notes, emails in
its history and upcoming meetings.

Idempotent: a prospect that already exists is left as it is, so user edits are never lost. What the demo
needs (territories, industries, sales stages, lost reasons, the sales team's users) is created only when
missing, and never changed. Emails are written to the history only, never sent.
"""

import re
import unicodedata

import frappe
from frappe.utils import (
	add_days,
	add_months,
	add_to_date,
	get_fullname,
	get_last_day,
	now_datetime,
	today,
)
from frappe.utils.nestedset import get_root_of

# The sales team: key -> (user, first name, last name, roles). "admin" stands for the Administrator.
# fmt: off
TEAM = {
	"camille": ("camille.durand@example.com", "Camille", "Durand", ("Sales User", "Sales Manager")),
	"julien": ("julien.moreau@example.com", "Julien", "Moreau", ("Sales User",)),
	"ines": ("ines.roux@example.com", "Inès", "Roux", ("Sales User",)),
}
# fmt: on

# ERPNext's own sales stages, from the first contact to the negotiation (created when missing).
SALES_STAGES = (
	"Prospecting",
	"Qualification",
	"Needs Analysis",
	"Value Proposition",
	"Identifying Decision Makers",
	"Perception Analysis",
	"Proposal/Price Quote",
	"Negotiation/Review",
)


def lead(first_name, last_name, job_title, status, owner):
	"""A lead of the prospect; its email is at the prospect's domain. `status`: its Lead status (None: the
	one ERPNext gives it, e.g. Opportunity once an opportunity is made from it)."""
	return {
		"first_name": first_name,
		"last_name": last_name,
		"job_title": job_title,
		"status": status,
		"owner": owner,
	}


def opportunity(
	amount, probability, stage, closing_in_months, status="Open", from_lead=None, lost_reason=None
):
	"""An opportunity expected to close at the end of the month `closing_in_months` from now (0: this one),
	made from the prospect, or from its lead number `from_lead` (0 for the first)."""
	return {
		"amount": amount,
		"probability": probability,
		"stage": stage,
		"closing_in_months": closing_in_months,
		"status": status,
		"from_lead": from_lead,
		"lost_reason": lost_reason,
	}


def task(description, due_in_days, on_lead=None, status="Open"):
	"""A task (ToDo) of the prospect's owner, or of its lead number `on_lead`'s owner, due `due_in_days` from
	today (negative: overdue while open)."""
	return {"description": description, "due_in_days": due_in_days, "on_lead": on_lead, "status": status}


def note(text, days_ago):
	"""A note written by the prospect's owner `days_ago` days ago."""
	return {"text": text, "days_ago": days_ago}


def email(lead_index, sent_or_received, days_ago, subject, body):
	"""An email between the prospect's lead number `lead_index` and the lead's owner, `days_ago` days ago."""
	return {
		"lead": lead_index,
		"sent_or_received": sent_or_received,
		"days_ago": days_ago,
		"subject": subject,
		"body": body,
	}


def event(subject, in_days, at, category="Meeting"):
	"""A meeting or call with the prospect, `in_days` days from today at `at` (HH:MM), one hour long."""
	return {"subject": subject, "in_days": in_days, "at": at, "category": category}


def demo_prospect(
	company_name,
	territory,
	industry,
	owner,
	size,
	address,
	leads,
	opportunities,
	tasks=(),
	notes=(),
	emails=(),
	events=(),
):
	"""One demo prospect. `size`: (employees, annual revenue, market share in %); `address`: (street,
	postcode, city). Its website, and its people's emails, are at a domain made from its name."""
	domain = f"{slug(company_name)}.example.com"
	no_of_employees, annual_revenue, market_share = size
	street, pincode, city = address
	return {
		"company_name": company_name,
		"territory": territory,
		"industry": industry,
		"owner": owner,
		"no_of_employees": no_of_employees,
		"annual_revenue": annual_revenue,
		"market_share": market_share,
		"website": f"https://{domain}",
		"domain": domain,
		"address_line1": street,
		"pincode": pincode,
		"city": city,
		"leads": leads,
		"opportunities": opportunities,
		"tasks": tasks,
		"notes": notes,
		"emails": emails,
		"events": events,
	}


def slug(text: str, separator: str = "-") -> str:
	"""`text` as lowercase ASCII words joined by `separator` ("Transports Lefèvre": "transports-lefevre")."""
	ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
	return separator.join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


# The pipeline: one entry per prospect.
# fmt: off
DEMO = [
	demo_prospect(
		"Boulangeries Martin", "Auvergne-Rhône-Alpes", "Agroalimentaire", "camille",
		size=("51-200", 4500000, 8), address=("12 rue Mercière", "69002", "Lyon"),
		leads=[
			lead("Claire", "Martin", "Directrice des achats", "Interested", "camille"),
			lead("Hugo", "Bernard", "Responsable des boutiques", "Replied", "julien"),
		],
		opportunities=[
			opportunity(12000, 40, "Needs Analysis", 1),
			opportunity(3500, 70, "Proposal/Price Quote", 0),
		],
		tasks=[
			task("Rappeler Claire Martin au sujet du cahier des charges", 1, on_lead=0),
			task("Envoyer le devis pour l'équipement des nouvelles boutiques", 2),
		],
		notes=[
			note("Premier contact au salon Sirha : 14 boutiques dans la métropole lyonnaise, projet de "
				"renouvellement des caisses avant l'été.", 21),
			note("La décision passe par Claire Martin ; Hugo Bernard teste la solution dans deux "
				"boutiques.", 6),
		],
		emails=[
			email(0, "Received", 5, "Demande de devis pour nos boutiques",
				"Suite à notre échange au salon, pourriez-vous nous envoyer un devis pour 14 boutiques ?"),
			email(0, "Sent", 4, "Re: Demande de devis pour nos boutiques",
				"Merci pour votre demande. Je vous propose un rendez-vous sur place pour préciser vos "
				"besoins."),
		],
		events=[event("Visite du laboratoire de production", 2, "10:00")],
	),
	demo_prospect(
		"Transports Lefèvre", "Hauts-de-France", "Transport et logistique", "julien",
		size=("201-500", 18000000, 3.5), address=("45 avenue de la Marne", "59000", "Lille"),
		leads=[
			lead("Sophie", "Lefèvre", "Directrice logistique", None, "julien"),
			lead("Thomas", "Petit", "Responsable d'exploitation", "Lead", "julien"),
		],
		opportunities=[
			opportunity(48000, 25, "Qualification", 2, from_lead=0),
			opportunity(15000, 10, "Prospecting", 3),
		],
		tasks=[
			task("Préparer la démonstration du suivi de flotte", 4),
			task("Relancer Thomas Petit sur l'essai gratuit", -5, on_lead=1),
		],
		notes=[
			note("Flotte de 120 camions, suivi actuel sur tableur. Renouvellement du contrat télématique en "
				"fin d'année.", 15),
		],
		emails=[
			email(0, "Sent", 10, "Présentation de notre solution de suivi de flotte",
				"Comme convenu par téléphone, vous trouverez ci-joint notre présentation."),
			email(0, "Received", 8, "Re: Présentation de notre solution de suivi de flotte",
				"Merci, la présentation est claire. Nous aimerions voir une démonstration avec nos équipes."),
		],
	),
	demo_prospect(
		"Atelier Dubois", "Pays de la Loire", "Artisanat", "admin",
		size=("1-10", 350000, 12), address=("3 quai de la Fosse", "44000", "Nantes"),
		leads=[lead("Lucas", "Dubois", "Gérant", "Replied", "admin")],
		opportunities=[opportunity(2500, 60, "Value Proposition", 0)],
		tasks=[
			task("Envoyer la plaquette tarifaire", -6, on_lead=0, status="Closed"),
			task("Appeler Lucas Dubois après lecture de la plaquette", 5, on_lead=0),
		],
		notes=[note("Menuiserie de 6 personnes, très attachée au conseil de proximité.", 12)],
		emails=[
			email(0, "Received", 3, "Question sur vos tarifs",
				"J'ai bien reçu la plaquette. Le tarif artisan inclut-il la formation ?"),
		],
	),
	demo_prospect(
		"Numérique Garnier", "Île-de-France", "Services informatiques", "ines",
		size=("11-50", 2200000, 1.5), address=("28 rue du Faubourg Saint-Antoine", "75012", "Paris"),
		leads=[
			lead("Léa", "Garnier", "Directrice des systèmes d'information", "Interested", "ines"),
			lead("Nicolas", "Fabre", "Responsable des achats", "Open", "ines"),
		],
		opportunities=[
			opportunity(36000, 50, "Identifying Decision Makers", 1),
			opportunity(8000, 0, "Perception Analysis", 0, status="Lost", lost_reason="Budget insuffisant"),
		],
		tasks=[
			task("Organiser l'atelier de cadrage avec la DSI", 1),
			task("Relancer Nicolas Fabre sur le contrat de maintenance", 3, on_lead=1),
		],
		notes=[
			note("Le projet de maintenance a été reporté faute de budget ; l'intégration reste "
				"prioritaire.", 9),
		],
		emails=[
			email(0, "Sent", 6, "Proposition d'atelier de cadrage",
				"Je vous propose un atelier d'une demi-journée avec votre équipe pour cadrer le projet."),
			email(0, "Received", 2, "Re: Proposition d'atelier de cadrage",
				"Bonne idée. Nous sommes disponibles en début de semaine prochaine."),
		],
		events=[event("Atelier de cadrage avec la DSI", 1, "14:00")],
	),
	demo_prospect(
		"Clinique Saint-Éloi", "Occitanie", "Santé", "camille",
		size=("201-500", 32000000, 4), address=("8 boulevard Henri IV", "34000", "Montpellier"),
		leads=[
			lead("Isabelle", "Roche", "Directrice administrative", "Lead", "camille"),
			lead("Marc", "Girard", "Directeur financier", None, "camille"),
		],
		opportunities=[opportunity(95000, 75, "Negotiation/Review", 0, from_lead=1)],
		tasks=[
			task("Valider les conditions de paiement avec la direction financière", 3),
			task("Répondre aux questions du DPO sur l'hébergement des données", -4, on_lead=1),
		],
		notes=[
			note("Appel d'offres remporté sur la partie technique ; reste à négocier le calendrier de "
				"paiement.", 10),
			note("Marc Girard souhaite un paiement en trois fois.", 1),
		],
		emails=[
			email(1, "Received", 1, "Contre-proposition sur le calendrier de paiement",
				"Nous validons l'offre sous réserve d'un paiement en trois échéances."),
		],
	),
	demo_prospect(
		"Fonderies Mercier", "Auvergne-Rhône-Alpes", "Industrie", "julien",
		size=("501-1000", 85000000, 6), address=("17 rue de la Richelandière", "42100", "Saint-Étienne"),
		leads=[
			lead("Antoine", "Mercier", "Directeur industriel", "Open", "julien"),
			lead("Élodie", "Blanc", "Acheteuse", "Lead", "julien"),
		],
		opportunities=[
			opportunity(120000, 30, "Needs Analysis", 3),
			opportunity(22000, 100, "Negotiation/Review", 0, status="Closed"),
		],
		tasks=[
			task("Planifier la visite de la fonderie", 6),
			task("Envoyer le compte rendu de réunion à Antoine Mercier", -1, on_lead=0, status="Closed"),
		],
		notes=[note("Premier module signé pour l'atelier de moulage ; extension à trois sites à l'étude.",
			18)],
		emails=[
			email(0, "Sent", 7, "Compte rendu de notre réunion",
				"Merci pour votre accueil. Voici les points abordés et les prochaines étapes."),
		],
	),
	demo_prospect(
		"Épicerie Fine Lambert", "Nouvelle-Aquitaine", "Distribution", "ines",
		size=("11-50", 1800000, 2), address=("5 place des Grands Hommes", "33000", "Bordeaux"),
		leads=[lead("Julie", "Lambert", "Gérante", "Interested", "ines")],
		opportunities=[opportunity(6500, 20, "Prospecting", 2)],
		tasks=[task("Appeler Julie Lambert pour fixer un rendez-vous", 0, on_lead=0)],
		notes=[note("Recommandée par les Boulangeries Martin ; trois magasins et une boutique en ligne.", 4)],
		emails=[
			email(0, "Received", 12, "Demande d'informations",
				"Une amie commerçante m'a parlé de vous. Pouvez-vous me rappeler ?"),
		],
	),
	demo_prospect(
		"Groupe Faure Informatique", "Occitanie", "Services informatiques", "admin",
		size=("51-200", 9500000, 2.5), address=("21 allée Jean Jaurès", "31000", "Toulouse"),
		leads=[
			lead("Pierre", "Faure", "Président", None, "admin"),
			lead("Sarah", "Mathieu", "Responsable commerciale", "Lead", "julien"),
		],
		opportunities=[opportunity(54000, 45, "Proposal/Price Quote", 1, from_lead=0)],
		tasks=[
			task("Finaliser la proposition commerciale", 2),
			task("Relancer Sarah Mathieu", -2, on_lead=1),
		],
		notes=[note("Souhaite une proposition globale pour les trois agences avant la fin du trimestre.", 8)],
		emails=[
			email(0, "Received", 9, "Projet de déploiement dans nos agences",
				"Nous souhaitons équiper nos trois agences. Pouvez-vous nous faire une proposition ?"),
			email(0, "Sent", 5, "Re: Projet de déploiement dans nos agences",
				"Bien reçu : la proposition vous parviendra d'ici la fin de la semaine prochaine."),
		],
	),
]
# fmt: on


def load_demo_data() -> None:
	"""Creates the demo prospects that do not exist yet (one line printed per prospect), then commits."""
	company = frappe.db.get_value("Company", {}, "name")
	if not company:
		print("no company: complete the setup wizard first")
		return
	muted = frappe.flags.mute_emails
	# An inserted Communication is only recorded, never sent; mail stays muted all the same meanwhile.
	frappe.flags.mute_emails = True
	try:
		missing = [spec for spec in DEMO if not frappe.db.exists("Prospect", spec["company_name"])]
		if missing:
			create_reference_records()
		for spec in DEMO:
			if spec in missing:
				create_demo_prospect(spec, company)
				print(f"created demo prospect {spec['company_name']}")
			else:
				print(f"kept existing prospect {spec['company_name']}")
	finally:
		frappe.flags.mute_emails = muted
	frappe.db.commit()


# ---- what the prospects need ----


def create_reference_records() -> None:
	"""The sales team, territories, industries, sales stages and lost reasons, each only when missing."""
	for user, first_name, last_name, roles in TEAM.values():
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": user,
					"first_name": first_name,
					"last_name": last_name,
					"enabled": 1,
					"user_type": "System User",
					"send_welcome_email": 0,
					"roles": [{"role": role} for role in roles],
				}
			).insert(ignore_permissions=True)
			# A demo user's address has no mailbox: their notifications stay in the desk.
			frappe.db.set_value("Notification Settings", user, "enable_email_notifications", 0)
	root = get_root_of("Territory")
	for territory in sorted({spec["territory"] for spec in DEMO}):
		ensure("Territory", territory, territory_name=territory, parent_territory=root, is_group=0)
	for industry in sorted({spec["industry"] for spec in DEMO}):
		ensure("Industry Type", industry, industry=industry)
	for stage in SALES_STAGES:
		ensure("Sales Stage", stage, stage_name=stage)
	for spec in DEMO:
		for row in spec["opportunities"]:
			if row["lost_reason"]:
				ensure("Opportunity Lost Reason", row["lost_reason"], lost_reason=row["lost_reason"])


def ensure(doctype: str, name: str, **values) -> None:
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)


def user_of(key: str) -> str:
	return "Administrator" if key == "admin" else TEAM[key][0]


def email_of(user: str) -> str:
	return frappe.db.get_value("User", user, "email") or user


# ---- one prospect ----


def create_demo_prospect(spec: dict, company: str) -> None:
	owner = user_of(spec["owner"])
	prospect = frappe.get_doc(
		{
			"doctype": "Prospect",
			"company_name": spec["company_name"],
			"company": company,
			"territory": spec["territory"],
			"industry": spec["industry"],
			"no_of_employees": spec["no_of_employees"],
			"annual_revenue": spec["annual_revenue"],
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"market_share": spec["market_share"],
			"website": spec["website"],
			"prospect_owner": owner,
			"notes": [
				{
					"note": f"<p>{row['text']}</p>",
					"added_by": owner,
					"added_on": add_to_date(now_datetime(), days=-row["days_ago"], hours=-2),
				}
				for row in spec["notes"]
			],
		}
	).insert()
	frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": spec["company_name"],
			"address_type": "Office",
			"address_line1": spec["address_line1"],
			"pincode": spec["pincode"],
			"city": spec["city"],
			"country": frappe.db.get_value("Company", company, "country") or "France",
			"is_primary_address": 1,
			"links": [{"link_doctype": "Prospect", "link_name": prospect.name}],
		}
	).insert()
	# A lead whose email another lead already has is left out, with what refers to it.
	leads = [create_lead(row, spec, prospect.name, company) for row in spec["leads"]]
	for row in spec["emails"]:
		if leads[row["lead"]]:
			create_email(row, leads[row["lead"]], spec["company_name"])
	for row in spec["opportunities"]:
		create_opportunity(row, prospect, leads, company)
	# Emails received reopen a lead (Frappe sets it Open): the table's status is set once they are in.
	for row, doc in zip(spec["leads"], leads, strict=True):
		if doc and row["status"] and not frappe.db.exists("Opportunity", {"party_name": doc.name}):
			doc.reload()
			if doc.status != row["status"]:
				doc.status = row["status"]
				doc.save()
	for row in spec["tasks"]:
		on_lead = leads[row["on_lead"]] if row["on_lead"] is not None else None
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": row["description"],
				"status": row["status"],
				"priority": "High" if row["due_in_days"] < 0 else "Medium",
				"date": add_days(today(), row["due_in_days"]),
				"allocated_to": on_lead.lead_owner if on_lead else owner,
				"reference_type": "Lead" if on_lead else "Prospect",
				"reference_name": on_lead.name if on_lead else prospect.name,
			}
		).insert()
	for row in spec["events"]:
		starts_on = f"{add_days(today(), row['in_days'])} {row['at']}:00"
		frappe.get_doc(
			{
				"doctype": "Event",
				"subject": f"{row['subject']} – {spec['company_name']}",
				"event_category": row["category"],
				"event_type": "Public",
				"status": "Open",
				"send_reminder": 0,
				"starts_on": starts_on,
				"ends_on": add_to_date(starts_on, hours=1),
				"event_participants": [{"reference_doctype": "Prospect", "reference_docname": prospect.name}],
			}
		).insert()


def create_lead(row: dict, spec: dict, prospect: str, company: str):
	"""The lead and, unless CRM Settings already made one, its contact (linked to the lead and the
	prospect). None when another lead has its email."""
	address = f"{slug(row['first_name'])}.{slug(row['last_name'])}@{spec['domain']}"
	if frappe.db.exists("Lead", {"email_id": address}):
		return None
	doc = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": row["first_name"],
			"last_name": row["last_name"],
			"job_title": row["job_title"],
			"email_id": address,
			"status": row["status"] or "Lead",
			"lead_owner": user_of(row["owner"]),
			"company_name": spec["company_name"],
			"company": company,
			"territory": spec["territory"],
			"industry": spec["industry"],
			"city": spec["city"],
			"prospect": prospect,
		}
	).insert()
	if not frappe.db.exists("Contact Email", {"email_id": address, "parenttype": "Contact"}):
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": row["first_name"],
				"last_name": row["last_name"],
				"designation": row["job_title"],
				"email_ids": [{"email_id": address, "is_primary": 1}],
				"links": [
					{"link_doctype": "Lead", "link_name": doc.name},
					{"link_doctype": "Prospect", "link_name": prospect},
				],
			}
		).insert()
	return doc


def create_email(row: dict, lead_doc, company_name: str) -> None:
	"""An email of the history (a Communication; inserting one sends nothing)."""
	user = lead_doc.lead_owner
	if row["sent_or_received"] == "Sent":
		sender, sender_name, recipient = email_of(user), get_fullname(user), lead_doc.email_id
		content = (
			f"<p>Bonjour {lead_doc.first_name},</p><p>{row['body']}</p>"
			f"<p>Bien cordialement,<br>{sender_name}</p>"
		)
	else:
		sender, sender_name, recipient = lead_doc.email_id, lead_doc.lead_name, email_of(user)
		content = (
			f"<p>Bonjour,</p><p>{row['body']}</p><p>Cordialement,<br>{sender_name}<br>{company_name}</p>"
		)
	domain = lead_doc.email_id.split("@")[1]
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": row["sent_or_received"],
			"subject": row["subject"],
			"content": content,
			"sender": sender,
			"sender_full_name": sender_name,
			"recipients": recipient,
			"communication_date": add_to_date(now_datetime(), days=-row["days_ago"], hours=-3),
			"message_id": f"<{frappe.generate_hash(length=16)}@{domain}>",
			"reference_doctype": "Lead",
			"reference_name": lead_doc.name,
		}
	).insert(ignore_permissions=True)


def create_opportunity(row: dict, prospect, leads: list, company: str) -> None:
	"""From the prospect, or from one of its leads (the prospect's rows are back-filled either way)."""
	from_lead = leads[row["from_lead"]] if row["from_lead"] is not None else None
	frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Lead" if from_lead else "Prospect",
			"party_name": from_lead.name if from_lead else prospect.name,
			"company": company,
			"currency": prospect.currency,
			"opportunity_amount": row["amount"],
			"probability": row["probability"],
			"sales_stage": row["stage"],
			"expected_closing": closing_date(row["closing_in_months"]),
			"opportunity_owner": prospect.prospect_owner,
			# From a prospect, its primary contact is proposed (contacts.py); from a lead, the lead's own.
			"contact_person": frappe.db.get_value(
				"Contact Email", {"email_id": from_lead.email_id, "parenttype": "Contact"}, "parent"
			)
			if from_lead
			else None,
			"status": row["status"],
			"lost_reasons": [{"lost_reason": row["lost_reason"]}] if row["lost_reason"] else [],
		}
	).insert()


def closing_date(months: int):
	"""The last day of the month `months` months from now (0: this month)."""
	return get_last_day(add_months(today(), months))
