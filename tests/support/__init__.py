"""What the tests share that is not a fixture: helpers, sample data, worker processes.

Not test modules (pytest collects ``test_*.py`` only); fixtures stay in the conftest files.
"""
