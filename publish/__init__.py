"""Public alerts as a channel: signed CAP 1.2 documents, the Atom and JSON feeds, partner webhooks."""
