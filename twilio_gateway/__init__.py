"""Everything Uitkijk's Twilio transports share: the REST client, error meaning, webhook signatures.

Both the SMS and the voice transport use it; nothing in core/ imports it.
"""
