"""Words the audit pages show for the log's codes: actions and the names in an entry."""

from __future__ import annotations

from armsbridge.i18n_marker import N_
from armsbridge.records.labels import field_label
from armsbridge.web.i18n import Formatter

ACTION_LABELS = {
    "consult": N_("Consulted"),
    "refused": N_("Refused"),
    "search": N_("Searched"),
    "create": N_("Created"),
    "change": N_("Changed"),
    "erase": N_("Erased"),
    "disclose": N_("Disclosed"),
    "export": N_("Exported"),
    "import": N_("Imported"),
    "match": N_("Matched"),
    "review": N_("Reviewed a match"),
    "login": N_("Signed in"),
    "login_failed": N_("Sign-in failed"),
    "logout": N_("Signed out"),
    "admin": N_("Account administration"),
    "reveal": N_("Revealed an entry's values"),
}
# What an entry is about when it is not a record of vocab/records.yaml.
SUBJECT_LABELS = {"audit_entry": N_("Audit log entry")}
# Heads of the columns of an exported log (audit.service.EXPORT_COLUMNS), in the user's words.
COLUMN_LABELS = {
    "seq": N_("Entry"),
    "at": N_("Time (UTC)"),
    "actor": N_("Who"),
    "actor_jurisdiction": N_("Service of the account"),
    "action": N_("What"),
    "record_type": N_("Record type"),
    "record_id": N_("Record"),
    "jurisdiction": N_("Service of the record"),
    "why": N_("Reason given"),
    "recipient": N_("Recipient"),
    "details": N_("Details"),
    "before": N_("Before"),
    "after": N_("After"),
    "prev_hash": N_("Hash of the entry before"),
    "hash": N_("Hash of the entry"),
}
DETAIL_LABELS = {
    "op": N_("Operation"),
    "username": N_("User name"),
    "exchange": N_("Exchange"),
    "report": N_("Report"),
    "client": N_("Client address"),
    "to": N_("To"),
    "from": N_("From"),
    "peer": N_("Peer node"),
    "peers": N_("Peer nodes"),
    "operation": N_("Operation"),
    "ids": N_("Records"),
    "fingerprint": N_("Key fingerprint"),
    "step": N_("Step"),
    "serial_pattern": N_("Serial number pattern"),
    "role": N_("Role"),
    "reason": N_("Reason"),
    "page": N_("Page"),
    "list": N_("List"),
    "filters": N_("Filters"),
    "code": N_("Code"),
    "attachment": N_("Attachment"),
    "count": N_("Count"),
}


def action_label(code: str) -> str:
    """Return the (untranslated) words for an audit action code."""
    return ACTION_LABELS.get(code, code)


def name_label(name: str) -> str:
    """Return the (untranslated) label of a field or detail named in an entry."""
    return DETAIL_LABELS.get(name) or field_label(name)


def type_words(fmt: Formatter, code: str | None) -> str:
    """Return, in the user's language, what an entry's record type names (a record or the log)."""
    if code in SUBJECT_LABELS:
        return fmt.gettext(SUBJECT_LABELS[code])
    return fmt.record_type(code)
