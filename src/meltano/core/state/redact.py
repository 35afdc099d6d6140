"""Keep credentials out of logs and errors: URIs with user info, SAS tokens, account keys."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")
_SECRET_QUERY = re.compile(r"(?i)\b(sig|signature|x-amz-signature|x-amz-credential|sv|se)=[^&\s]+")
_CONNECTION_KEYS = re.compile(r"(?i)\b(AccountKey|SharedAccessSignature|SharedAccessKey)=[^;\s]+")


def redact(text: str) -> str:
    """Replace user info (`key:secret@`), signatures and account keys with `****`."""
    text = _USERINFO.sub(r"\g<scheme>****@", text)
    text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=****", text)
    return _CONNECTION_KEYS.sub(lambda m: f"{m.group(1)}=****", text)
