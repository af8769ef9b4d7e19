"""Who fixes a finding: the teams a helpdesk ticket goes to, named the same way everywhere.

Every catalogue entry and every check term names one of these in ``fixed_by`` (a test holds it).
"""

from __future__ import annotations

SAP_BASIS = "the SAP Basis team"
M365_ADMINS = "the Microsoft 365 administrators"
NETWORK_TEAM = "the network team"
DNS_ADMINS = "the DNS administrators"
RELAY_ADMINS = "the relay server's administrators"
PORTAL_ADMINS = "the portal's administrators"
NOBODY = "nobody: nothing needs fixing"

FIXERS = (SAP_BASIS, M365_ADMINS, NETWORK_TEAM, DNS_ADMINS, RELAY_ADMINS, PORTAL_ADMINS, NOBODY)
