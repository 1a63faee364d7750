"""Who may take an escalation and in which order agents are asked: eligibility of an
agent (skills, languages, capacity), ranking of available agents, staffing estimates and
the agent's presence view. Pure or read-only: the core applies its decisions."""
