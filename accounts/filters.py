import django_filters

from accounts.models import ApiToken, Client, User
from accounts.roles import CLIENT_ROLES, Role


class ClientFilter(django_filters.FilterSet):
    class Meta:
        model = Client
        fields = ["country", "slug"]


class PersonFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=[(role.value, role.label) for role in Role if role in CLIENT_ROLES]
    )

    class Meta:
        model = User
        fields = ["role", "is_active"]


class ApiTokenFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label="Active")

    class Meta:
        model = ApiToken
        fields = ["active"]

    def filter_active(self, queryset, name, value):
        active = ApiToken.objects.active()
        if value:
            return queryset.filter(pk__in=active.values("pk"))
        return queryset.exclude(pk__in=active.values("pk"))
