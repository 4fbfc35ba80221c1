import socket


def closed_port() -> int:
    """Return a loopback port with nothing listening: bound, then released at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
