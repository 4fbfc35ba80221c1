"""Menu entries and dashboard panels that each app registers for the roles it serves.

Apps call `register_menu` and `register_panel` from their AppConfig.ready(), so
the base template and the dashboard never need editing when an app adds a page.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: a template and a function building its context."""

    title: str
    template: str
    roles: frozenset[str]
    context: object = field(default=None)  # callable(request) -> dict
    order: int = 100


_menu: list[MenuItem] = []
_panels: list[Panel] = []


def register_menu(label: str, url_name: str, roles, order: int = 100) -> None:
    _menu.append(MenuItem(label, url_name, frozenset(roles), order))
    _menu.sort(key=lambda item: (item.order, item.label))


def register_panel(title: str, template: str, roles, context=None, order=100) -> None:
    _panels.append(Panel(title, template, frozenset(roles), context, order))
    _panels.sort(key=lambda panel: (panel.order, panel.title))


def menu_for(user) -> list[dict]:
    items = []
    for item in _menu:
        if user.role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "url_name": item.url_name})
    return items


def panels_for(request) -> list[dict]:
    result = []
    for panel in _panels:
        if request.user.role not in panel.roles:
            continue
        context = panel.context(request) if panel.context else {}
        result.append({"title": panel.title, "template": panel.template, **context})
    return result


def navigation(request) -> dict:
    """Template context processor: the menu of the signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    return {"menu": menu_for(user)}
