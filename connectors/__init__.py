"""What each connection option knows: fields, rules, plan of checks and setup steps.

Pure Python: no network, no Django views. Entry points for the rest of the portal:

- ``connectors.registry``: ``OPTIONS`` (code → Option), ``option_for``, ``option_choices``,
  ``validate``, ``plan_for``, ``guide_for``; one module per option in ``connectors.options``
  (``oauth2``, ``smtp_basic``, ``direct_send``, ``relay_connector``, ``relay_server``), each with
  ``validate``, ``plan``, ``steps`` and ``OPTION``.
- ``connectors.plan``: ``PlannedCheck`` and the ``Expectations`` each planned check carries.
- ``connectors.endpoints.effective_endpoint``: host, port and TLS mode with defaults filled in.
- ``connectors.guide``: the ``Guide`` the steps come as (``to_markdown``, ``to_dict``).
- ``connectors.advisor.advise``, ``connectors.spf.build_spf``, ``connectors.retirement``.
"""
