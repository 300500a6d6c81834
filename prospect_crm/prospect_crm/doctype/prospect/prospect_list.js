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
	onload(listview) {
		// Open or engaged prospects of the current user with an overdue follow-up or none planned.
		listview.page.add_inner_button(__("Needs follow-up"), () => prospect_crm.show_needs_follow_up(listview));
		if (frappe.route_options && frappe.route_options.needs_follow_up) {
			delete frappe.route_options.needs_follow_up;
			prospect_crm.show_needs_follow_up(listview);
		}
	},
};

frappe.provide("prospect_crm");

prospect_crm.follow_up_pill = function (value, next_activity_on) {
	const colors = { Planned: "green", Overdue: "red", "None planned": "orange" };
	if (!value) return "";
	const title = next_activity_on ? frappe.datetime.str_to_user(next_activity_on) : "";
	return `<span class="indicator-pill ${colors[value] || "gray"} ellipsis" title="${title}">
		<span>${__(value)}</span></span>`;
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
