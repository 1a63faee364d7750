"""Escalations: model, state machine, routing, rules, bot, webhooks and KPIs."""
