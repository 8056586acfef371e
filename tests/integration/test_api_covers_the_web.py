"""Everything staff do on the web, a control-room or municipality system can do through the API: a table of
the web's operations (each staff route and method) and the API operation(s) that do the same. A new web
operation without an API fails here until it gets one (or is listed as the web's own, with the reason);
each API operation named exists and is in the OpenAPI document."""
from api.openapi import SPEC
from tests.integration.test_api_control_rooms import document_path

# Blueprints that are not staff work: signing in, the public's pages, machines' webhooks and probes.
NOT_STAFF = {"auth", "language", "signup", "mail_public", "mail_unsubscribe", "public_alerts", "genuine_check",
             "probes", "twilio_webhooks", "admin", "static"}

WEB_TO_API = {
    ("action_webhooks.index", "GET"): ["list_webhooks"],
    ("action_webhooks.log", "GET"): ["webhook_deliveries"],
    ("action_webhooks.active", "POST"): ["update_webhook"],
    ("actions.index", "GET"): ["list_actions", "list_approvals"],
    ("actions.estimate", "GET"): ["estimate"],
    ("actions.geocode", "GET"): ["geocode"],
    ("actions.sms_preview", "GET"): ["sms_preview"],
    ("actions.preview", "POST"): ["launch_action"],  # with dry_run: the impact preview
    ("actions.launch", "POST"): ["launch_action"],
    ("actions.show", "GET"): ["show_action", "show_timeline", "list_calls", "list_tips"],
    ("actions.status", "GET"): ["show_action"],
    ("actions.recording", "GET"): ["download_recording"],
    ("actions.report", "GET"): ["show_report"],
    ("actions.report_csv", "GET"): ["report_csv"],
    ("actions.add_photos", "POST"): ["add_photos"],
    ("actions.change_area", "POST"): ["change_area"],
    ("actions.update_publication", "POST"): ["update_publication"],
    ("actions.widen", "POST"): ["widen_action"],
    ("actions.end", "POST"): ["end_action"],
    ("approvals.show", "GET"): ["show_approval"],
    ("approvals.approve", "POST"): ["approve_launch"],
    ("approvals.reject", "POST"): ["reject_launch"],
    ("configuration.control_rooms", "GET"): ["list_control_rooms"],
    ("configuration.control_room", "GET"): ["list_control_rooms"],
    ("configuration.control_room", "POST"): ["create_control_room", "update_control_room"],
    ("configuration.operators", "GET"): ["list_operators"],
    ("configuration.operator", "GET"): ["list_operators"],
    ("configuration.operator", "POST"): ["create_operator", "update_operator"],
    ("configuration.operator_availability", "POST"): ["set_availability"],
    ("configuration.trunks", "GET"): ["list_trunks"],
    ("configuration.trunk", "GET"): ["show_trunk"],
    ("configuration.trunk", "POST"): ["create_trunk", "update_trunk"],
    ("configuration.delete_trunk", "POST"): ["delete_trunk"],
    ("configuration.mail_sender", "GET"): ["list_mail_senders"],
    ("configuration.mail_sender", "POST"): ["create_mail_sender", "update_mail_sender"],
    ("configuration.retry_policies", "GET"): ["list_retry_policies"],
    ("configuration.retry_policy_save", "POST"): ["set_retry_policy"],
    ("configuration.retry_policy_reset", "POST"): ["reset_retry_policy"],
    ("configuration.prompts", "GET"): ["list_prompts"],
    ("configuration.prompt_audio", "GET"): ["prompt_audio"],
    ("configuration.upload_recording", "POST"): ["install_recording"],
    ("configuration.remove_recording", "POST"): ["remove_recording"],
    ("configuration.signup_limits", "GET"): ["show_signup_limits"],
    ("dashboard.index", "GET"): ["show_dashboard"],
    ("dashboard.export", "GET"): ["export_dashboard"],
    ("mail.index", "GET"): ["list_inquiries"],
    ("mail.compose", "POST"): ["compose_inquiry"],  # step=preview: dry_run
    ("mail.show", "GET"): ["show_inquiry", "list_inquiry_replies"],
    ("mail.mark", "POST"): ["mark_inquiry_reply"],
    ("mail.export", "GET"): ["export_inquiry_replies"],
    ("mail.photo", "GET"): ["inquiry_reply_photo"],
    ("mail.send_update", "POST"): ["send_inquiry_update"],
    ("participants.index", "GET"): ["list_participants"],
    ("participants.new", "POST"): ["create_participant"],
    ("participants.edit", "GET"): ["show_participant"],
    ("participants.edit", "POST"): ["update_participant"],
    ("participants.set_active", "POST"): ["set_participant_active"],
    ("participants.revoke_links", "POST"): ["revoke_participant_links"],
    ("participants.personal_data", "GET"): ["participant_personal_data"],
    ("participants.personal_data_json", "GET"): ["participant_personal_data"],
    ("participants.import_csv", "POST"): ["import_participants"],
    ("partners.index", "GET"): ["list_partners", "show_signing_key"],
    ("partners.new", "POST"): ["create_partner"],
    ("partners.log", "GET"): ["partner_deliveries"],
    ("partners.active", "POST"): ["set_partner_active"],
    ("partners.upload_signing_key", "POST"): ["install_signing_key"],
    ("message_templates.index", "GET"): ["list_templates"],
    ("message_templates.show", "GET"): ["show_template"],
    ("message_templates.spoken", "GET"): ["template_spoken"],
    ("message_templates.create", "POST"): ["create_template"],
    ("message_templates.update", "POST"): ["update_template"],
    ("message_templates.delete", "POST"): ["delete_template"],
    ("regions.index", "GET"): ["list_regions"],
    ("regions.upload", "POST"): ["import_regions"],
}

# The web's own: pages that only hold a form (the API takes what the form sends) or people's web accounts.
WEB_ONLY = {
    ("actions.new", "GET"): "the launch form; the API launches with POST /api/actions",
    ("mail.new", "GET"): "the compose form; the API composes with POST /api/inquiries",
    ("participants.new", "GET"): "the registration form",
    ("participants.import_csv", "GET"): "the upload form",
    ("partners.new", "GET"): "the registration form",
    ("configuration.index", "GET"): "the configuration's table of contents",
    ("accounts.index", "GET"): "people's web accounts: systems sign in with API tokens (flask create-token)",
    ("accounts.new", "GET"): "people's web accounts",
    ("accounts.new", "POST"): "people's web accounts",
    ("accounts.edit", "GET"): "people's web accounts",
    ("accounts.edit", "POST"): "people's web accounts",
}


def _web_operations(app):
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] not in NOT_STAFF | {"api"}
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_web_operation_has_an_api_operation(app):
    operations = _web_operations(app)
    missing = sorted(operations - set(WEB_TO_API) - set(WEB_ONLY))
    assert not missing, f"web operations without an API operation (or a reason in WEB_ONLY): {missing}"
    stale = sorted((set(WEB_TO_API) | set(WEB_ONLY)) - operations)
    assert not stale, f"the table names web operations that no longer exist: {stale}"
    assert not set(WEB_TO_API) & set(WEB_ONLY)


def test_each_api_operation_named_exists_and_is_documented(app):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    for web, api_endpoints in WEB_TO_API.items():
        for name in api_endpoints:
            rule = rules.get(f"api.{name}")
            assert rule is not None, (web, name)
            documented = SPEC["paths"].get(document_path(rule.rule), {})
            assert any(method.lower() in documented for method in rule.methods - {"HEAD", "OPTIONS"}), (web, name)
