"""The web app and REST API (`reelproof serve`): FastAPI over the public API only.

`app.create_app` builds it; `auth` holds sessions, tokens, CSRF and who may do what (from
the store's role records); one module per area holds that area's REST routes and pages.
"""
