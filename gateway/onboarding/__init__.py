"""Onboarding: templates, ``partners new`` (profile, registration and key, all or nothing), the
supplier's onboarding sheet, and the operators' view of partners. The CLI (``gateway_app``) and the
operator API (``gateway.api.routes.partners``) are thin layers over it."""
