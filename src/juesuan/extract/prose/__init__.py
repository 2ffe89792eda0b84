"""Prose: the explanation section, item sentences of budgets and final accounts, project self-evaluations."""
