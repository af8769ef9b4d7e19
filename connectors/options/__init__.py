"""One module per connection option (fields, rules, plan of checks, generated steps); the one list
of them is connectors.registry."""
