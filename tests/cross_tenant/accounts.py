"""Cross-tenant cases for the accounts app: people and API tokens."""

from datetime import timedelta

from accounts.models import ApiToken


def build(client, client_admin) -> dict:
    token, _ = ApiToken.issue(client_admin, "cross-tenant probe", timedelta(days=1))
    return {"api_token": token}


# URL name -> function(objects) returning the URL's keyword arguments.
URLS: dict = {
    "accounts:person_update": lambda objects: {"pk": objects["user"].pk},
    "accounts:person_deactivate": lambda objects: {"pk": objects["user"].pk},
    "accounts:token_revoke": lambda objects: {"pk": objects["api_token"].pk},
    "api:client-detail": lambda objects: {"pk": objects["client"].pk},
    "api:person-detail": lambda objects: {"pk": objects["user"].pk},
    "api:token-detail": lambda objects: {"pk": objects["api_token"].pk},
}
