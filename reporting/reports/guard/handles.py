"""Messaging handles and social-media profile URLs.

Catches: profile and chat links of Telegram (t.me/...), WhatsApp (wa.me/...,
chat.whatsapp.com/...), Facebook, Messenger, Instagram, TikTok, X/Twitter, YouTube, LINE,
VK, Zalo, Viber, WeChat and others in ``data/messaging.json``, with or without
"https://" and "www."; "@handles" standing alone (not e-mail addresses); and ids after an
app word ("Skype: live:budi.travel88", "Line ID: budi_88", "WeChat wxid_abc123",
"Signal: budi.01", "Telegram username kapal_aman").

Misses: an id after an app word that is a plain dictionary-like word with no digit,
underscore or dot and no "id"/"username" marker ("contacted via WhatsApp" must pass, so
"Signal sunrise" passes too); handles written with spaces inside; links to a bare host
with no path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from reporting.reports.guard.base import Span, WordFinder, load_data

kind = "messaging_handle"

_DATA = load_data("messaging.json")
_HOSTS = sorted(_DATA["profile_hosts"], key=len, reverse=True)
_URL_RE = re.compile(
    r"(?i:(?<![A-Za-z0-9.\-])(?:https?://)?(?:www\.)?(?:"
    + "|".join(re.escape(h) for h in _HOSTS)
    + r")/[A-Za-z0-9_.@%~+\-=?&#/:]{2,120})"
)
_URL_HINTS = tuple(f"{h.lower()}/" for h in _HOSTS)
# "@budi_travel": not after a letter, digit or dot (that is an e-mail address).
_AT_HANDLE_RE = re.compile(r"@(?<![A-Za-z0-9_.@]@)[A-Za-z][A-Za-z0-9_.]{2,31}(?![A-Za-z0-9_@])")
_APP_WORDS = WordFinder(_DATA["id_words"])
# After an app word: an optional marker, then the id.
_ID_AFTER_RE = re.compile(
    r"(?P<marker>(?:\s{0,2}(?i:id|username|user\s?name|handle|name|account|akun|nick))?"
    r"\s{0,2}[:=\-]?\s{0,3})"
    r"(?P<id>(?i:live:)?[A-Za-z][A-Za-z0-9_.\-]{2,40}[A-Za-z0-9_])(?![A-Za-z0-9_@])"
)
_MARKED_RE = re.compile(r"(?i:id|username|user\s?name|handle|name|nick|akun|account)|:")
# Words that follow an app word in operational text ("via WhatsApp and Telegram").
_COMMON = frozenset((
    "and", "or", "the", "a", "an", "group", "groups", "channel", "channels", "chat", "chats",
    "call", "calls", "message", "messages", "account", "accounts", "app", "apps", "was",
    "were", "is", "are", "to", "for", "from", "with", "by", "on", "in", "of", "at", "via",
    "used", "using", "number", "numbers", "contact", "contacts", "only", "also", "voice",
    "video", "messenger",
))


class HandleDetector:
    kind = kind

    def find(self, text: str) -> Iterator[Span]:
        low = text.lower()
        if "/" in text and any(h in low for h in _URL_HINTS):
            for m in _URL_RE.finditer(text):
                yield m.start(), m.end() - len(m.group()) + len(m.group().rstrip(".,;:)"))
        if "@" in text:
            for m in _AT_HANDLE_RE.finditer(text):
                yield m.start(), m.start() + len(m.group().rstrip("."))
        for word in _APP_WORDS.finditer(text):
            m = _ID_AFTER_RE.match(text, word.end())
            if not m:
                continue
            ident = m.group("id").rstrip(".-")
            if ident.lower() in _COMMON:
                continue
            marked = bool(_MARKED_RE.search(m.group("marker")))
            shaped = any(c.isdigit() or c in "_." for c in ident) or ident.lower().startswith(
                "live:")
            if shaped or (marked and len(ident) >= 4):
                yield m.start("id"), m.start("id") + len(ident)
