"""Cross-tenant cases for the accounts app: people and API tokens."""

from datetime import timedelta

from accounts.models import ApiToken


def build(client, client_admin) -> dict:
    token, _ = ApiToken.issue(client_admin, "cross-tenant probe", timedelta(days=1))
    return {"api_token": token}


# URL name -> function(objects) returning the URL's keyword arguments.
URLS: dict = {}
