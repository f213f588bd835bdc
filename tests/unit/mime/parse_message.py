"""Independent check of a composed message: parses it with Python's email package
(email.policy.default) and prints what it found as JSON on stdout.

Display names are decoded with email.header.decode_header (RFC 2047 §6.2: whitespace between
adjacent encoded-words is dropped): Python 3.11's policy.default keeps that whitespace inside
phrases, so `=?UTF-8?q?J=C3=BC?= =?UTF-8?q?rgen?=` would read "Jü rgen" there.

Usage: /usr/bin/python3 parse_message.py FILE
"""
import base64
import email
import email.header
import email.policy
import email.utils
import json
import sys


def defects_of(msg):
    found = []
    for part in msg.walk():
        found += [type(d).__name__ for d in part.defects]
        for name, value in part.items():
            found += [name + ": " + type(d).__name__ for d in getattr(value, "defects", ())]
    return found


def decode_phrase(raw):
    # decode_header drops the whitespace between adjacent encoded-words; joining its parts
    # directly avoids make_header's extra space where the charset changes
    parts = email.header.decode_header(raw)
    return "".join(
        p.decode(cs or "ascii") if isinstance(p, bytes) else p for p, cs in parts
    )


def main():
    raw = open(sys.argv[1], "rb").read()
    if all(b < 0x80 for b in raw):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    else:  # RFC 6532: UTF-8 in header fields
        msg = email.message_from_string(raw.decode("utf-8"), policy=email.policy.default)
    # the same message read with compat32 gives the raw header values
    raw_msg = email.message_from_string(raw.decode("utf-8"), policy=email.policy.compat32)

    def boxes(name):
        header = msg.get(name)
        if header is None:
            return None
        values = raw_msg.get_all(name, [])
        pairs = email.utils.getaddresses(values)
        return [
            {"name": decode_phrase(display), "address": a.addr_spec}
            for (display, _), a in zip(pairs, header.addresses)
        ]

    out = {
        "defects": defects_of(msg),
        "subject": str(msg.get("Subject", "")),
        "from": boxes("From"),
        "to": boxes("To"),
        "cc": boxes("Cc"),
        "reply_to": boxes("Reply-To"),
        "bcc_present": "Bcc" in msg,
        "message_id": str(msg.get("Message-ID", "")),
        "date": str(msg.get("Date", "")),
        "in_reply_to": str(msg.get("In-Reply-To", "")),
        "references": str(msg.get("References", "")).split(),
        "header_names": list(msg.keys()),
    }
    body = msg.get_body(preferencelist=("plain",))
    out["text"] = body.get_content() if body is not None else None
    html = msg.get_body(preferencelist=("html",))
    out["html"] = html.get_content() if html is not None else None
    out["attachments"] = [
        {
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "data": base64.b64encode(part.get_payload(decode=True)).decode("ascii"),
        }
        for part in msg.iter_attachments()
    ]
    json.dump(out, sys.stdout, ensure_ascii=True)


main()
