"""Who a caller is put through to: the action's operator, then the other operators of its control
room, then the control room's general line; availability and busy operators; the whisper; and how
Asterisk dials it all.
"""
