// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

frappe.provide("frappe.dashboards");
frappe.dashboards.chart_sources = frappe.dashboards.chart_sources || {};

frappe.dashboards.chart_sources["Prospect Count by Status"] = {
	method: "prospect_crm.prospect_crm.dashboard_chart_source.prospect_count_by_status.prospect_count_by_status.get",
	filters: [],
};
