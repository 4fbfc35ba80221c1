"""Validation of endpoints: the host, port and SNI name a certificate is served on."""

from django.core.exceptions import ValidationError

from certificates.x509info import is_ip_address

MAX_PORT = 65535


def clean_endpoint(endpoint) -> None:
    """Normalise and validate an Endpoint in place (Endpoint.clean calls it)."""
    from certificates.csr import normalise_name

    errors = {}
    endpoint.hostname = (endpoint.hostname or "").strip().rstrip(".").lower()
    endpoint.sni_name = (endpoint.sni_name or "").strip().rstrip(".").lower()
    if not is_ip_address(endpoint.hostname):
        try:
            endpoint.hostname = _dns_name(endpoint.hostname, normalise_name)
        except ValidationError as error:
            errors["hostname"] = ValidationError(
                "Host name %(value)r is neither a DNS name nor an IP address: "
                "%(reason)s",
                code="invalid_hostname",
                params={"value": endpoint.hostname, "reason": error.messages[0]},
            )
    if endpoint.sni_name:
        try:
            endpoint.sni_name = _dns_name(endpoint.sni_name, normalise_name)
        except ValidationError as error:
            errors["sni_name"] = ValidationError(
                "SNI name %(value)r is not a DNS name: %(reason)s",
                code="invalid_sni_name",
                params={"value": endpoint.sni_name, "reason": error.messages[0]},
            )
    if endpoint.port is None or not 1 <= endpoint.port <= MAX_PORT:
        errors["port"] = ValidationError(
            "Port %(value)s is out of range. Use a TCP port from 1 to 65535, "
            "such as 443.",
            code="invalid_port",
            params={"value": endpoint.port},
        )
    if (
        endpoint.certificate_id
        and endpoint.client_id
        and endpoint.certificate.client_id != endpoint.client_id
    ):
        errors["certificate"] = ValidationError(
            "The certificate belongs to another client. Choose one of this "
            "client's certificates.",
            code="certificate_of_other_client",
        )
    if errors:
        raise ValidationError(errors)
    _check_unique(endpoint)


def _check_unique(endpoint) -> None:
    # Checked here rather than left to the constraint, because forms and the API
    # omit the client field for client staff, which skips Django's own check.
    duplicate = (
        type(endpoint)
        ._default_manager.filter(
            client_id=endpoint.client_id,
            hostname=endpoint.hostname,
            port=endpoint.port,
            sni_name=endpoint.sni_name,
        )
        .exclude(pk=endpoint.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError(
            "The endpoint %(endpoint)s is already recorded for this client. Edit "
            "the existing endpoint instead.",
            code="duplicate_endpoint",
            params={"endpoint": f"{endpoint.hostname}:{endpoint.port}"},
        )


def _dns_name(value: str, normalise) -> str:
    name = normalise(value)
    if name.startswith("*."):
        raise ValidationError(
            "a wildcard names many hosts; enter one host name.", code="wildcard"
        )
    return name
