"""TXT record values as Route 53 holds them: one or more quoted character-strings of at most 255 bytes."""

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
                escaped.append(f"\\{byte:03d}")
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
                if value[i + 1 : i + 4].isdigit() and len(value[i + 1 : i + 4]) == 3:
                    out.append(int(value[i + 1 : i + 4]) & 0xFF)
                    i += 4
                    continue
                out += value[i + 1].encode("utf-8")
                i += 2
                continue
            out += value[i].encode("utf-8")
            i += 1
        i += 1  # closing quote
    return out.decode("utf-8", errors="replace")
