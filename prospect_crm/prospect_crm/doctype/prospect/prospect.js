// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

// The form only renders: the data comes from the controller's onload (addresses, contacts) and from
// prospect_crm.activities (tasks, events, emails); rows of Leads and Opportunities are written by the
// server when a Lead or an Opportunity is saved.

// The notes and activities renderers live in their own files; Frappe inlines them into this form script.
{% include "prospect_crm/public/js/prospect_notes.js" %}
{% include "prospect_crm/public/js/prospect_activities.js" %}
{% include "prospect_crm/public/js/prospect_merge.js" %}
{% include "prospect_crm/public/js/prospect_status.js" %}
{% include "prospect_crm/public/js/prospect_summary.js" %}

frappe.provide("prospect_crm");

frappe.ui.form.on("Prospect", {
	setup(frm) {
		frm.set_query("lead", "leads", () => ({
			filters: { prospect: ["in", ["", frm.doc.name]] },
		}));
	},

	set_new_doc_defaults(frm) {
		// "Create a new Lead" / "Create a new Opportunity" from a cell open a document already linked here.
		frm.get_docfield("leads", "lead").get_route_options_for_new_doc = () => ({
			prospect: frm.doc.name,
			company_name: frm.doc.company_name,
			company: frm.doc.company,
			territory: frm.doc.territory,
			industry: frm.doc.industry,
			lead_owner: frm.doc.prospect_owner,
		});
		frm.get_docfield("opportunities", "opportunity").get_route_options_for_new_doc = () => ({
			opportunity_from: "Prospect",
			party_name: frm.doc.name,
			customer_name: frm.doc.company_name,
			company: frm.doc.company,
			opportunity_owner: frm.doc.prospect_owner,
			currency: frm.doc.currency,
		});
	},

	refresh(frm) {
		frm.trigger("set_new_doc_defaults");
		if (!frm.is_new()) {
			frappe.dynamic_link = { doc: frm.doc, fieldname: "name", doctype: "Prospect" };
			const create = { Customer: "make_customer", Opportunity: "make_opportunity", Quotation: "make_quotation" };
			for (const [doctype, method] of Object.entries(create)) {
				if (!frappe.model.can_create(doctype)) continue;
				frm.add_custom_button(
					__(doctype),
					() => frappe.model.open_mapped_doc({ method: `prospect_crm.api.${method}`, frm }),
					__("Create")
				);
			}
			if (frappe.model.can_delete("Prospect")) {
				frm.add_custom_button(__("Merge into..."), () => prospect_crm.merge_into(frm), __("Actions"));
			}
			frappe.contacts.render_address_and_contact(frm);
			// "New Email" proposes the prospect's contacts and leads as recipients (Prospect.onload).
			frm.email_field = "__email_recipients";
			frm.doc.__email_recipients = ((frm.doc.__onload || {}).email_recipients || []).join(", ");
		} else {
			frappe.contacts.clear_address_and_contact(frm);
		}
		frm.trigger("show_notes");
		frm.trigger("show_activities");
		prospect_crm.refresh_summary(frm);
	},

	show_notes(frm) {
		if (frm.is_new()) return;
		prospect_crm.render_notes(frm, $(frm.fields_dict.notes_html.wrapper));
	},

	show_activities(frm) {
		if (frm.is_new()) return;
		prospect_crm.render_activities(frm);
	},
});

// "Create a new Opportunity" from an Opportunities cell opens a new opportunity whose party is this prospect
// (the route options above). Frappe then sets the new document's Link fields again to run their triggers,
// and ERPNext's "Opportunity From" trigger empties the party whenever that field is set, even to the value
// it already had. Such an opportunity keeps its prospect: the party is noted before the document loads
// (before_load runs before the link triggers are even scheduled) and put back when the party is first
// emptied while "Opportunity From" is still "Prospect". Neither handler depends on running before or after
// ERPNext's, so registering them here is enough: this form is the way to such a new opportunity.
if (!prospect_crm.keeps_new_opportunity_party) {
	prospect_crm.keeps_new_opportunity_party = true;
	frappe.ui.form.on("Opportunity", {
		before_load(frm) {
			const doc = frm.doc;
			if (
				frm.is_new() &&
				doc.__run_link_triggers &&
				doc.opportunity_from === "Prospect" &&
				doc.party_name
			) {
				frm.__prospect_party = { docname: doc.name, party_name: doc.party_name };
			}
		},
		party_name(frm) {
			const kept = frm.__prospect_party;
			if (!kept || kept.docname !== frm.doc.name) return;
			delete frm.__prospect_party;
			if (!frm.doc.party_name && frm.doc.opportunity_from === "Prospect") {
				return frm.set_value("party_name", kept.party_name);
			}
		},
	});
}

// A lead or opportunity created from a cell is already in this prospect on the server (its save wrote
// the row): reload to show that row instead of keeping an unsaved copy of it.
function reload_if_written_by_server(frm, doctype, name, fields, is_ours) {
	if (!name || frm.is_new() || name.startsWith("new-")) return;
	frappe.db.get_value(doctype, name, fields).then((r) => {
		if (r.message && is_ours(r.message)) frm.reload_doc();
	});
}

frappe.ui.form.on("Prospect Lead", {
	lead(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		reload_if_written_by_server(frm, "Lead", row.lead, ["prospect"], (lead) => lead.prospect === frm.doc.name);
	},
});

frappe.ui.form.on("Prospect Opportunity", {
	opportunity(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		reload_if_written_by_server(
			frm,
			"Opportunity",
			row.opportunity,
			["opportunity_from", "party_name"],
			(opp) => opp.opportunity_from === "Prospect" && opp.party_name === frm.doc.name
		);
	},
});

// Possible duplicates (prospect_crm.duplicates on the server): a list under the company name, kept current
// while the name or the website is typed and on every refresh; saving a new name or website that has
// possible duplicates asks first. An exact name clash is not asked about: the server refuses it.
prospect_crm.duplicates = {
	args(frm) {
		const args = {};
		if (!frm.is_new()) args.prospect = frm.doc.name;
		const company_name = (frm.doc.company_name || "").trim();
		if (company_name) args.company_name = company_name;
		const website = (frm.doc.website || "").trim();
		const host = website.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split(/[/?#:]/)[0];
		if (/^[^\s@]+\.[^\s@.]+$/.test(host)) args.website = website;
		return args.prospect || args.company_name || args.website ? args : null;
	},

	// The candidates, or null when they could not be looked up (never a message: the form stays quiet).
	fetch(args) {
		return new Promise((resolve) => {
			frappe.call({
				method: "prospect_crm.api.find_duplicates",
				args,
				silent: true,
				callback: (r) => resolve(r.message || []),
				error: () => resolve(null),
			});
		});
	},

	list_html(candidates) {
		const items = candidates.map(
			(c) =>
				`<li><a href="${frappe.utils.get_form_link("Prospect", c.name)}">` +
				`${frappe.utils.escape_html(c.company_name || c.name)}</a>` +
				` <span class="text-muted">(${frappe.utils.escape_html(c.detail)})</span></li>`
		);
		return `<ul class="pcrm-duplicates-list mt-2 mb-0">${items.join("")}</ul>`;
	},

	render(frm, candidates) {
		const field = frm.fields_dict.company_name;
		if (!field) return;
		let $box = field.$wrapper.siblings(".pcrm-duplicates");
		if (!candidates || !candidates.length) {
			$box.remove();
			return;
		}
		if (!$box.length) {
			$box = $('<div class="pcrm-duplicates alert alert-warning small"></div>').insertAfter(
				field.$wrapper
			);
		}
		$box.html(
			`<span class="indicator-pill orange">${__("Possible duplicates")}</span>` +
				this.list_html(candidates)
		);
	},

	// Looks up and shows the candidates of what the form holds now; an answer that arrives after a newer
	// question is dropped.
	check(frm) {
		const args = this.args(frm);
		const ticket = (frm.__pcrm_duplicates_ticket = (frm.__pcrm_duplicates_ticket || 0) + 1);
		if (!args) return this.render(frm, []);
		this.fetch(args).then((candidates) => {
			if (ticket === frm.__pcrm_duplicates_ticket && candidates) this.render(frm, candidates);
		});
	},

	check_soon(frm) {
		if (!frm.__pcrm_check_soon) {
			frm.__pcrm_check_soon = frappe.utils.debounce(() => this.check(frm), 300);
		}
		frm.__pcrm_check_soon();
	},

	// validate: a new prospect, or a new name or website, with possible duplicates is saved only once the
	// user confirms (the confirmation saves again, without asking).
	confirm_save(frm) {
		if (frm.__pcrm_duplicates_confirmed) {
			frm.__pcrm_duplicates_confirmed = false;
			return;
		}
		const saved = frm.__pcrm_saved_values;
		if (
			!frm.is_new() &&
			saved &&
			saved.company_name === frm.doc.company_name &&
			saved.website === frm.doc.website
		) {
			return;
		}
		const args = this.args(frm);
		if (!args) return;
		return this.fetch(args).then((candidates) => {
			if (!candidates || !candidates.length) return;
			const typed = (frm.doc.company_name || "").trim().toLowerCase();
			if (candidates.some((c) => (c.company_name || "").trim().toLowerCase() === typed)) return;
			frappe.validated = false;
			frappe.confirm(
				`<p>${__("This prospect may be a duplicate of:")}</p>${this.list_html(candidates)}` +
					`<p>${__("Save it anyway?")}</p>`,
				() => {
					frm.__pcrm_duplicates_confirmed = true;
					frm.save();
				}
			);
		});
	},
};

frappe.ui.form.on("Prospect", {
	refresh(frm) {
		frm.__pcrm_saved_values = frm.is_new()
			? null
			: { company_name: frm.doc.company_name, website: frm.doc.website };
		prospect_crm.duplicates.check(frm);
	},
	company_name(frm) {
		prospect_crm.duplicates.check_soon(frm);
	},
	website(frm) {
		prospect_crm.duplicates.check_soon(frm);
	},
	validate(frm) {
		return prospect_crm.duplicates.confirm_save(frm);
	},
});
