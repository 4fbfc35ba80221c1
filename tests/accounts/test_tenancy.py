from accounts.models import Client
from accounts.tenancy import ALL_CLIENTS, scope, visible_client_ids


def test_client_user_sees_own_client(client_user_a, client_a, client_b):
    assert visible_client_ids(client_user_a) == {client_a.pk}


def test_sdm_sees_assigned_clients_only(sdm_a, client_a, client_b):
    assert list(scope(Client.objects.all(), sdm_a)) == [client_a]


def test_analyst_sees_every_client(analyst, client_a, client_b):
    assert visible_client_ids(analyst) is ALL_CLIENTS
    assert scope(Client.objects.all(), analyst).count() == 2


def test_anonymous_sees_nothing(client_a):
    from django.contrib.auth.models import AnonymousUser

    assert scope(Client.objects.all(), AnonymousUser()).count() == 0


def test_admin_client_filter_scoped(sdm_a, client_a, client_b, client):
    """The "By client" filter of an SDM names only the assigned clients."""
    from django.urls import reverse

    client.force_login(sdm_a)
    page = client.get(reverse("admin:accounts_user_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert client_a.name in html
    assert client_b.name not in html
