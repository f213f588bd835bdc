#pragma once
// Encoding helpers for IMAP command arguments (RFC 9051 §4, RFC 3501 §5.1.3).

#include <QByteArray>
#include <QDateTime>
#include <QString>

namespace outpost {

/// True when `bytes` can go as a quoted string (RFC 9051 §4.3): printable 7-bit ASCII and
/// spaces only, at most 1024 octets (longer ones go as literals).
bool imapCanQuote(const QByteArray &bytes);
/// `bytes` as a quoted string, '"' and '\' escaped. Only for imapCanQuote() input.
QByteArray imapQuoted(const QByteArray &bytes);
/// A mailbox name in modified UTF-7 (RFC 3501 §5.1.3), the form IMAP4rev1 servers expect.
QByteArray imapEncodeMailboxName(const QString &name);
/// A modified UTF-7 mailbox name decoded; a malformed one is returned as Latin-1 unchanged.
QString imapDecodeMailboxName(const QByteArray &name);
/// `when` as an IMAP date-time (RFC 9051 §9 date-time): "\"dd-Mon-yyyy hh:mm:ss +zzzz\"", the
/// day space-padded, English month names whatever the locale, quotes included.
QByteArray imapDateTime(const QDateTime &when);

} // namespace outpost
