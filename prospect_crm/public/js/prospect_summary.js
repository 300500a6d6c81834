// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

// The top of a prospect's form: a summary (open and weighted pipeline, next activity, owner) above
// Connections, counts on the tabs, the tables' owners as full names with their totals, and the market share
// shown as a percent. The numbers are the server's (Prospect.onload: prospect_crm.numbers.summary), the same
// as the list, the report and the workspace.

frappe.provide("prospect_crm");

prospect_crm.summary_of = function (frm) {
	return (frm.doc.__onload || {}).summary || null;
};

prospect_crm.render_summary = function (frm) {
	const parent = frm.dashboard && frm.dashboard.parent;
	if (!parent) return;
	parent.find(".prospect-summary").remove();
	const summary = prospect_crm.summary_of(frm);
	if (frm.is_new() || !summary) return;
	const money = (value) => format_currency(value || 0, frm.doc.currency);
	const owner = summary.prospect_owner
		? summary.owner_names[summary.prospect_owner] || summary.prospect_owner
		: __("Not Set");
	const next = summary.next_activity_on
		? frappe.datetime.str_to_user(summary.next_activity_on)
		: __("None planned");
	const next_color = { Overdue: "text-danger", "None planned": "text-warning" }[summary.follow_up] || "";
	const items = [
		["open_pipeline", __("Open Pipeline"), money(summary.pipeline_amount), ""],
		["weighted_pipeline", __("Weighted Pipeline"), money(summary.weighted_amount), ""],
		["next_activity", __("Next Activity"), next, next_color],
		["prospect_owner", __("Prospect Owner"), frappe.utils.escape_html(owner), ""],
	];
	const cells = items
		.map(
			([key, label, value, css]) => `
			<div class="col-6 col-md-3 prospect-summary-item" data-summary="${key}">
				<div class="text-muted small">${label}</div>
				<div class="prospect-summary-value bold ${css}" style="font-size: var(--text-lg, 1.1rem)">${value}</div>
			</div>`
		)
		.join("");
	$(`<div class="prospect-summary row form-section" style="padding: var(--padding-md, 15px) 0;
		border-bottom: 1px solid var(--border-color)">${cells}</div>`).prependTo(parent);
};

prospect_crm.set_tab_counts = function (frm) {
	const onload = frm.doc.__onload || {};
	const counts = {
		contacts_tab: (onload.contact_list || []).length + (onload.addr_list || []).length,
		leads_section: (frm.doc.leads || []).length,
		opportunities_tab: (frm.doc.opportunities || []).length,
		notes_section: (frm.doc.notes || []).length,
	};
	for (const tab of frm.layout.tabs || []) {
		if (!(tab.df.fieldname in counts)) continue;
		const label = __(tab.df.label, null, "Prospect");
		const count = frm.is_new() ? 0 : counts[tab.df.fieldname];
		tab.tab_link.find(".nav-link").text(count ? `${label} (${count})` : label);
	}
};

prospect_crm.setup_tables = function (frm) {
	const summary = prospect_crm.summary_of(frm) || {};
	const names = summary.owner_names || {};
	// The rows hold user IDs and the source documents' status and stage names: the tables show the owners'
	// full names and the translated status and stage.
	const full_name = (value) => frappe.utils.escape_html(names[value] || value || "");
	const translated = (value) => frappe.utils.escape_html(value ? __(value) : "");
	for (const [doctype, fieldname, formatter] of [
		["Prospect Lead", "lead_owner", full_name],
		["Prospect Opportunity", "deal_owner", full_name],
		["Prospect Lead", "status", translated],
		["Prospect Opportunity", "status", translated],
		["Prospect Opportunity", "stage", translated],
	]) {
		const df = frappe.meta.get_docfield(doctype, fieldname);
		if (df) df.formatter = formatter;
	}
	const totals = {
		leads: __("{0} leads, {1} open", [(frm.doc.leads || []).length, summary.open_leads || 0]),
		opportunities: __("{0} open: {1}, weighted {2}", [
			summary.open_opportunities || 0,
			format_currency(summary.pipeline_amount || 0, frm.doc.currency),
			format_currency(summary.weighted_amount || 0, frm.doc.currency),
		]),
	};
	// The server writes the opportunity rows: a row is not deleted here (the server would keep it anyway) and
	// its opportunity is not swapped; a new row's cell still finds or creates one.
	frm.set_df_property("opportunities", "cannot_delete_rows", 1);
	const add_labels = { leads: __("Add Lead"), opportunities: __("Add Opportunity") };
	for (const fieldname of ["leads", "opportunities"]) {
		const grid = frm.fields_dict[fieldname] && frm.fields_dict[fieldname].grid;
		if (!grid) continue;
		grid.wrapper.find(".grid-add-row").text(add_labels[fieldname]);
		grid.wrapper.find(".prospect-table-total").remove();
		if (!frm.is_new()) {
			$(`<div class="prospect-table-total text-muted small" style="margin-top: var(--margin-sm, 8px)"
				data-table="${fieldname}"></div>`)
				.text(totals[fieldname])
				.appendTo(grid.wrapper);
		}
		grid.refresh();
	}
};

prospect_crm.show_percent = function (frm) {
	const field = frm.fields_dict.market_share;
	if (!field || !field.$input || field.$wrapper.find(".prospect-percent").length) return;
	field.$input
		.parent()
		.css("position", "relative")
		.append(
			`<span class="prospect-percent text-muted" style="position: absolute; right: 10px; top: 50%;
			transform: translateY(-50%); pointer-events: none">%</span>`
		);
};

prospect_crm.refresh_summary = function (frm) {
	prospect_crm.render_summary(frm);
	prospect_crm.set_tab_counts(frm);
	prospect_crm.setup_tables(frm);
	prospect_crm.show_percent(frm);
};
