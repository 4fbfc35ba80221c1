import os

import pytest

from tests.monitoring import servers


@pytest.fixture(autouse=True)
def probes_reach_only_test_servers(settings):
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def nginx_available(require_service):
    if not os.access(servers.NGINX, os.X_OK):
        require_service("nginx", f"{servers.NGINX} is not installed")
