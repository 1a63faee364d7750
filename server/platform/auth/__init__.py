"""Who is calling: agents (access tokens), integrations (API keys), sites (site keys)
and session participants (session tokens obtained from single-use invites)."""
