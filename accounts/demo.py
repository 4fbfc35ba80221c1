"""Demo clients and one person per role, for `manage.py seed_demo`.

Every name is fictional. Email addresses use example.com (reserved by RFC 2606);
telephone numbers come from ranges set aside for films and fiction: Ofcom's
020 7946 0xxx, the North American 555-01xx, and the Bundesnetzagentur's
030 23125 xxx (its notice 148/2021).
"""

import secrets
import string

from django.db import transaction

from accounts.models import Client, User
from accounts.roles import Role

CLIENTS = [
    {
        "slug": "northwind",
        "name": "Northwind Retail",
        "support_location": "London",
        "time_zone": "Europe/London",
        "country": "GB",
        "subdivision": "ENG",
        "support_phone": "+442079460018",
        "out_of_hours_phone": "+442079460019",
    },
    {
        "slug": "contoso",
        "name": "Contoso Health",
        "support_location": "New York",
        "time_zone": "America/New_York",
        "country": "US",
        "subdivision": "NY",
        "support_phone": "+12125550142",
        "out_of_hours_phone": "+12125550143",
    },
    {
        "slug": "fabrikam",
        "name": "Fabrikam Logistics",
        "support_location": "Berlin",
        "time_zone": "Europe/Berlin",
        "country": "DE",
        "subdivision": "BE",
        "support_phone": "+493023125010",
        "out_of_hours_phone": "",
    },
]

PASSWORD_ALPHABET = string.ascii_letters + string.digits

# username, role, client slug, first name, last name, assigned client slugs
PEOPLE = [
    ("northwind.user", Role.CLIENT_USER, "northwind", "Nadia", "Quill", []),
    ("northwind.admin", Role.CLIENT_ADMIN, "northwind", "Neil", "Brook", []),
    ("contoso.user", Role.CLIENT_USER, "contoso", "Carla", "Reyes", []),
    ("contoso.admin", Role.CLIENT_ADMIN, "contoso", "Cody", "Marsh", []),
    ("fabrikam.user", Role.CLIENT_USER, "fabrikam", "Frieda", "Lind", []),
    ("fabrikam.admin", Role.CLIENT_ADMIN, "fabrikam", "Falk", "Weber", []),
    ("l1.analyst", Role.L1_ANALYST, None, "Lena", "Hart", []),
    (
        "service.manager",
        Role.SERVICE_DELIVERY_MANAGER,
        None,
        "Sean",
        "Doyle",
        ["northwind", "contoso"],
    ),
    (
        "account.manager",
        Role.TECHNICAL_ACCOUNT_MANAGER,
        None,
        "Tara",
        "Voss",
        ["contoso", "fabrikam"],
    ),
    ("administrator", Role.ADMINISTRATOR, None, "Alex", "Grey", []),
]


def _seed_clients(clients: dict, out) -> None:
    for fields in CLIENTS:
        client = Client.objects.filter(slug=fields["slug"]).first()
        if client is None:
            client = Client(**fields)
            client.full_clean()
            client.save()
            out.write(f"Created client {client.name} ({client.slug}).\n")
        else:
            out.write(f"Client {client.slug} already exists; left unchanged.\n")
        clients[client.slug] = client


def _seed_person(entry, clients: dict, out) -> User:
    username, role, client_slug, first_name, last_name, assigned = entry
    person = User.objects.filter(username=username).first()
    if person is not None:
        out.write(f"Person {username} already exists; password unchanged.\n")
        return person

    # Random passwords, so a demo left reachable on a network has no known login.
    # Letters and digits only, so a double-click selects the whole password.
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(16))
    person = User(
        username=username,
        role=role,
        client=clients[client_slug] if client_slug else None,
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@example.com",
    )
    person.set_password(password)
    person.full_clean()
    person.save()
    if assigned:
        person.assigned_clients.set([clients[slug] for slug in assigned])
    out.write(f"Created {Role(role).label}: username {username}  password {password}\n")
    return person


def seed(clients: dict, people: dict, out) -> None:
    """Create the demo clients and people, filling `clients` (by slug) and `people`
    (by username) in place for the apps seeded after this one.

    Existing rows are kept as they are, so a second run changes nothing and prints
    no password.
    """
    with transaction.atomic():
        _seed_clients(clients, out)
        for entry in PEOPLE:
            people[entry[0]] = _seed_person(entry, clients, out)
