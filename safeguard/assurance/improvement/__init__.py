"""The improvement plan: an inspection's recommendations, the actions and evidence against each, and
the self-assessment judgement agreed at each review."""
