"""What each connection option knows: fields, rules, plan of checks and setup steps.

Pure Python: no network, no Django views. The registry of options is ``connectors.registry.OPTIONS``.
"""
