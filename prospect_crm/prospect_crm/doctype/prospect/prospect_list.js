// Prospect list and kanban views: the status indicator, the follow-up pill and the "Needs follow-up" view,
// and the status dialogs (prospect_status.js).

{% include "prospect_crm/public/js/prospect_status.js" %}

frappe.listview_settings["Prospect"] = {
	add_fields: ["status", "open_pipeline_amount", "currency", "follow_up", "next_activity_on"],
	// The name is the company name, already the row's title (and its filter).
	hide_name_column: true,
	hide_name_filter: true,
	get_indicator(doc) {
		const colors = {
			Open: "blue",
			Engaged: "green",
			Converted: "purple",
			Lost: "red",
			Dormant: "gray",
		};
		const status = doc.status || "Open";
		return [__(status), colors[status] || "blue", "status,=," + status];
	},
	formatters: {
		// No pipeline: a blank cell, not "0.00".
		open_pipeline_amount(value, df, doc) {
			// HTML, as the list reads it with jQuery (a bare "$ 5,700.00" would be taken for a selector).
			return Number(value) ? `<span>${frappe.format(value, df, { inline: true }, doc)}</span>` : "";
		},
		follow_up(value, df, doc) {
			return prospect_crm.follow_up_pill(value, doc && doc.next_activity_on);
		},
	},
	refresh(listview) {
		prospect_crm.compact_mobile_filters(listview);
	},
	onload(listview) {
		prospect_crm.default_group_by(listview);
		// Open or engaged prospects of the current user with an overdue follow-up or none planned.
		listview.page.add_inner_button(__("Needs follow-up"), () => prospect_crm.show_needs_follow_up(listview));
		if (frappe.route_options && frappe.route_options.needs_follow_up) {
			delete frappe.route_options.needs_follow_up;
			prospect_crm.show_needs_follow_up(listview);
		}
	},
};

frappe.provide("prospect_crm");

// The follow-up and, when planned or overdue, the next activity's date, without the year when it is this
// year's ("Overdue · 28-11").
prospect_crm.follow_up_pill = function (value, next_activity_on) {
	const colors = { Planned: "green", Overdue: "red", "None planned": "orange" };
	if (!value) return "";
	const date = next_activity_on ? frappe.datetime.str_to_user(next_activity_on) : "";
	const year = String(new Date().getFullYear());
	const short = date.replace(new RegExp(`^${year}[-/.]|[-/.]${year}$`), "");
	const text = short && value !== "None planned" ? `${__(value)} · ${short}` : __(value);
	return `<span class="indicator-pill ${colors[value] || "gray"} ellipsis" title="${date}">
		<span>${text}</span></span>`;
};

// The sidebar's "group by" (Frappe v15) offers territory, owner and industry until the user picks others.
prospect_crm.GROUP_BY_FIELDS = ["territory", "prospect_owner", "industry"];
prospect_crm.default_group_by = function (listview) {
	const group_by = listview.list_sidebar && listview.list_sidebar.list_group_by;
	if (!group_by || "group_by_fields" in frappe.get_user_settings("Prospect")) return;
	frappe.model.user_settings.save("Prospect", "group_by_fields", prospect_crm.GROUP_BY_FIELDS);
	group_by.group_by_fields = ["assigned_to", "owner", ...prospect_crm.GROUP_BY_FIELDS];
	group_by.render_group_by_items();
	group_by.setup_dropdown();
};

// On a phone (Frappe v15), two standard filters: status and owner; the others stay in "Filter".
prospect_crm.compact_mobile_filters = function (listview) {
	if (!frappe.is_mobile()) return;
	for (const [fieldname, field] of Object.entries(listview.page.fields_dict || {})) {
		if (!["status", "prospect_owner"].includes(fieldname) && field.$wrapper) field.$wrapper.hide();
	}
};

prospect_crm.show_needs_follow_up = function (listview) {
	listview.filter_area.clear(false).then(() =>
		listview.filter_area.add([
			["Prospect", "status", "in", ["Open", "Engaged"]],
			["Prospect", "follow_up", "in", ["Overdue", "None planned"]],
			["Prospect", "prospect_owner", "=", frappe.session.user],
		])
	);
};
