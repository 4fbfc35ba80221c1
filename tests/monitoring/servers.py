"""Real TLS servers on 127.0.0.1 for verification tests."""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def tls_server(chain_pem: bytes, key_pem: bytes, handshake_delay: float = 0.0):
    """Serve `chain_pem` (leaf first) over TLS on 127.0.0.1; yield the port.

    With `handshake_delay`, the server accepts the connection but waits that
    long before reading the ClientHello, like an overloaded server.
    """
    directory = tempfile.mkdtemp()
    chain_file = Path(directory, "chain.pem")
    key_file = Path(directory, "key.pem")
    chain_file.write_bytes(chain_pem)
    key_file.write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain_file, key_file)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve_one(connection: socket.socket) -> None:
        with connection:
            if handshake_delay:
                stop.wait(handshake_delay)
                return
            connection.settimeout(5)
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                pass

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        shutil.rmtree(directory, ignore_errors=True)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    return free_port()


NGINX = "/usr/sbin/nginx"

NGINX_CONFIG = """
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {server_name};
        ssl_certificate {root}/fullchain.pem;
        ssl_certificate_key {root}/privkey.pem;
        location / {{ return 200 "ok"; }}
    }}
}}
"""


@contextmanager
def nginx_server(fullchain: bytes, private_key: bytes, server_name: str):
    """Run Debian's nginx with the given bundle on a free 127.0.0.1 port."""
    root = Path(tempfile.mkdtemp())
    (root / "fullchain.pem").write_bytes(fullchain)
    (root / "privkey.pem").write_bytes(private_key)
    os.chmod(root / "privkey.pem", 0o600)
    port = free_port()
    config = root / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(root=root, port=port, server_name=server_name)
    )
    if os.geteuid() == 0:
        config.write_text("user root;\n" + config.read_text())
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, process, root)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_port(port: int, process, root: Path) -> None:
    for _ in range(100):
        if process.poll() is not None:
            log = (
                (root / "error.log").read_text()
                if (root / "error.log").exists()
                else ""
            )
            raise RuntimeError(f"nginx exited with {process.returncode}: {log}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port}")


class HttpServer:
    """One asyncio HTTP server on 127.0.0.1, run in a thread.

    GET /status/<code> responds with that status and any other path with 200. It
    counts connections and the most that were open at once.
    """

    def __init__(self):
        self.port = 0
        self.connections = 0
        self.open_now = 0
        self.max_open = 0
        self._loop = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, reader, writer):
        import asyncio

        self.connections += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)
        try:
            request_line = await reader.readline()
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            # Yield so that concurrent checks overlap, as on a real server.
            await asyncio.sleep(0.01)
            path = request_line.split(b" ")[1].decode() if request_line else "/"
            status = int(path.rsplit("/", 1)[1]) if path.startswith("/status/") else 200
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\n"
                "Connection: close\r\n\r\nok".encode()
            )
            await writer.drain()
        finally:
            self.open_now -= 1
            writer.close()

    def _run(self):
        import asyncio

        self._loop = asyncio.new_event_loop()
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    def __enter__(self):
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
