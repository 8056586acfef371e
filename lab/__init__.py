"""Test and development tooling: the lab Asterisk, Prism with Twilio's spec, test data.

Used by the tests, the benchmarks and `make asterisk-lab`; never imported by production code
(an import-linter contract in .importlinter enforces it).
"""
