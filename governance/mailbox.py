"""Polling an IMAP mailbox for service desk mail.

The network part is `fetch_unseen`; everything after it is `inbound.ingest`,
which the tests run on real message bytes.
"""

import imaplib
import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings

from governance.inbound import ingest

logger = logging.getLogger(__name__)


def fetch_unseen(url: str):
    """Yield (uid, raw bytes) of each unseen message, then mark it seen.

    A message is marked seen only after the caller took it, and ingest ignores
    a Message-ID it has handled, so a crash between the two is harmless.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError(
            f"GOVERNANCE_IMAP_URL has the scheme {parts.scheme!r}; use imaps:// "
            "(or imap:// for a server on the same host)."
        )
    connection_class = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    default_port = 993 if parts.scheme == "imaps" else 143
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    with connection_class(
        parts.hostname, parts.port or default_port, timeout=30
    ) as imap:
        imap.login(unquote(parts.username or ""), unquote(parts.password or ""))
        imap.select(folder)
        _, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split():
            _, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is None:
                continue
            yield uid, raw
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def poll() -> int:
    """Ingest every unseen message of the configured mailbox; return how many."""
    url = settings.GOVERNANCE_IMAP_URL
    if not url:
        return 0
    count = 0
    for uid, raw in fetch_unseen(url):
        result = ingest(raw)
        count += 1
        logger.info("mailbox message uid=%s outcome=%s", uid.decode(), result.outcome)
    return count
