"""Call flows written once as transport-neutral steps, and the FastAGI runner that drives them.

`steps` holds the vocabulary, `inbound_flow` and `alert_flow` the two scripts, `fastagi`
the Asterisk runner. A flow is `advance(state, event) -> (state, steps)` with a JSON state,
so a webhook runner can keep the state per call and drive the very same flows.
"""
