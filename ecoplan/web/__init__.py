"""The web platform: FastAPI app (pages, public disclosure, REST API under /api/v1).

:func:`ecoplan.web.app.create_app` builds the application; :func:`ecoplan.web.seed.seed_demo_accounts`
creates the demo users. This file imports nothing, so that ``import ecoplan.web.<module>`` stays
cheap and no module of the package depends on the app through it.
"""
