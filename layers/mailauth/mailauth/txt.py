"""TXT record values as Route 53 holds them: one or more quoted character-strings of at most 255 bytes.

Route 53's presentation format escapes a byte outside printable ASCII as a backslash and three OCTAL digits
(``ä`` in UTF-8 is ``\\303\\244``), not with the decimal ``\\DDD`` of RFC 1035 zone files: Route 53 Developer
Guide, "Supported DNS record types", TXT record type, special characters
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#TXTFormat). A quote or a
backslash is escaped with a backslash.
"""

from __future__ import annotations

MAX_STRING = 255


def quote(text: str) -> str:
    """One logical TXT value → Route 53 presentation, split into 255-byte strings, quotes escaped."""
    data = text.encode("utf-8")
    chunks = [data[i : i + MAX_STRING] for i in range(0, len(data), MAX_STRING)] or [b""]
    parts = []
    for chunk in chunks:
        escaped = []
        for byte in chunk:
            char = chr(byte)
            if char in '"\\':
                escaped.append("\\" + char)
            elif 0x20 <= byte < 0x7F:
                escaped.append(char)
            else:
                escaped.append(f"\\{byte:03o}")
        parts.append('"' + "".join(escaped) + '"')
    return " ".join(parts)


def unquote(value: str) -> str:
    """Route 53 presentation (``"a" "b"``, escapes, or a bare word) → the logical value (strings joined)."""
    out = bytearray()
    i, n = 0, len(value)
    while i < n:
        char = value[i]
        if char.isspace():
            i += 1
            continue
        if char != '"':  # an unquoted string runs to the next space
            j = i
            while j < n and not value[j].isspace():
                j += 1
            out += value[i:j].encode("utf-8")
            i = j
            continue
        i += 1
        while i < n and value[i] != '"':
            if value[i] == "\\" and i + 1 < n:
                digits = value[i + 1 : i + 4]
                if len(digits) == 3 and all(c in "01234567" for c in digits):
                    out.append(int(digits, 8) & 0xFF)
                    i += 4
                    continue
                out += value[i + 1].encode("utf-8")
                i += 2
                continue
            out += value[i].encode("utf-8")
            i += 1
        i += 1  # closing quote
    return out.decode("utf-8", errors="replace")
