"""A minimal IMAP4rev1 server on 127.0.0.1 for tests of the mailbox poller.

It implements only the commands the poller sends (CAPABILITY, LOGIN, SELECT,
UID SEARCH UNSEEN, UID FETCH BODY.PEEK[], UID STORE +FLAGS, LOGOUT) over one
mailbox held in memory, which is enough to run imaplib against a real socket.
"""

import re
import socketserver
import threading
from contextlib import contextmanager


class Mailbox:
    def __init__(self, messages: list[bytes], password: str):
        self.messages = {uid: raw for uid, raw in enumerate(messages, start=1)}
        self.seen: set[int] = set()
        self.password = password
        self.commands: list[str] = []


class _Handler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("* OK IMAP4rev1 test server ready")
        for line in self.rfile:
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command = rest.upper()
            self.mailbox.commands.append(command)
            if command.startswith("CAPABILITY"):
                self.reply("* CAPABILITY IMAP4rev1")
            elif command.startswith("LOGIN"):
                if not rest.rstrip('"').endswith(self.mailbox.password):
                    self.reply(f"{tag} NO [AUTHENTICATIONFAILED] invalid password")
                    continue
            elif command.startswith("SELECT"):
                self.reply(f"* {len(self.mailbox.messages)} EXISTS")
            elif command.startswith("UID SEARCH"):
                unseen = sorted(set(self.mailbox.messages) - self.mailbox.seen)
                self.reply("* SEARCH " + " ".join(map(str, unseen)))
            elif command.startswith("UID FETCH"):
                uid = int(re.search(r"UID FETCH (\d+)", command).group(1))
                raw = self.mailbox.messages[uid]
                self.wfile.write(
                    f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode()
                    + raw
                    + b")\r\n"
                )
            elif command.startswith("UID STORE"):
                uid = int(re.search(r"UID STORE (\d+)", command).group(1))
                self.mailbox.seen.add(uid)
                self.reply(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))")
            elif command.startswith("LOGOUT"):
                self.reply("* BYE logging out")
                self.reply(f"{tag} OK LOGOUT completed")
                return
            self.reply(f"{tag} OK done")


@contextmanager
def running_imap_server(messages: list[bytes], password: str = "secret"):  # noqa: S107
    """Yield (port, mailbox) of a server bound to a free port of 127.0.0.1."""
    mailbox = Mailbox(messages, password)
    handler = type("Handler", (_Handler,), {"mailbox": mailbox})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], mailbox
    finally:
        server.shutdown()
        server.server_close()
