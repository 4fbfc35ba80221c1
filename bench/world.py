"""The context every part runs in: scale, generated clients and people, budgets."""

from dataclasses import dataclass

from accounts.models import Client, User
from bench.seed import (
    ANALYST,
    CLIENT_USER,
    LIST_CLIENT,
    REPORT_CLIENT,
    SLUG_PREFIX,
    STREAM_CLIENT,
)
from bench.timing import Budget


@dataclass
class World:
    scale: str  # "tiny" or "full"
    list_client: Client
    report_client: Client
    stream_client: Client
    client_user: User
    analyst: User

    @property
    def tiny(self) -> bool:
        return self.scale == "tiny"

    def budget(self, repeats: int, seconds: float, warmup: bool = True) -> Budget:
        """Repeat `repeats` times or for `seconds` at full scale; tiny runs once
        or twice, without a warm-up, to stay fast."""
        if self.tiny:
            return Budget(repeats=2, seconds=1.0, warmup=False)
        return Budget(repeats=repeats, seconds=seconds, warmup=warmup)


def load(scale: str) -> World:
    clients = {c.slug: c for c in Client.objects.filter(slug__startswith=SLUG_PREFIX)}
    people = {
        u.username: u for u in User.objects.filter(username__in=[CLIENT_USER, ANALYST])
    }
    return World(
        scale=scale,
        list_client=clients[LIST_CLIENT],
        report_client=clients[REPORT_CLIENT],
        stream_client=clients[STREAM_CLIENT],
        client_user=people[CLIENT_USER],
        analyst=people[ANALYST],
    )
