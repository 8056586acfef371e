"""Uitkijk's domain: participants, actions, area selection and the delivery ledger.

Nothing in this package imports Flask, AGI or Twilio; the web layer, the IVR and the
transports call into it.
"""
