// Prospect list and kanban views: the status indicator, and the status dialogs (prospect_status.js).

{% include "prospect_crm/public/js/prospect_status.js" %}

frappe.listview_settings["Prospect"] = {
	add_fields: ["status", "open_pipeline_amount", "currency"],
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
};
