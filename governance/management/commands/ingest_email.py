import sys

from django.core.management.base import BaseCommand

from governance.inbound import ingest


class Command(BaseCommand):
    help = (
        "Read one RFC 5322 message on standard input and add it to the service "
        "desk (a reply, a new ticket, or ignored). For a mail server to pipe into."
    )

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            self.stderr.write("No message on standard input: pipe one email in.")
            sys.exit(2)
        result = ingest(raw)
        self.stdout.write(f"{result.outcome}: {result.detail}")
