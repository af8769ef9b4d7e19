"""Monitoring (issue 10): alerts when a system's health changes, early warnings before something expires,
each system's history and the fleet's daily snapshots.

    changes.after_run(run)        the one hook at the end of every run (portal/runs.py)
    early_warnings.send(today)    secrets, certificates and Basic-auth milestones ahead (daily task)
    outbox                        who is told and the delivery of each notification, retried with back-off
    timeline / snapshots          a system's 30 days of bands; the fleet by health and option, per day
    retention                     old check results go, daily snapshots stay
"""
