#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

namespace outpost::ui {

/// The fields of a `mailto:` URL (RFC 6068).
struct MailtoFields
{
    QStringList to, cc, bcc; ///< addresses as given (display names kept when present)
    QString subject;
    QString body;       ///< line breaks as "\n"
    QString inReplyTo;  ///< the in-reply-to hfield, when present
    bool valid = false; ///< false when the URL is not a mailto: URL
};

/// Parses a mailto: URL (RFC 6068): the addresses of the path (comma separated) go to `to`
/// (RFC 6068 §2), hfields `to`, `cc`, `bcc`, `subject`, `body`, `in-reply-to` are taken
/// (names case-insensitive, repeated address hfields add up, §3), every part is
/// percent-decoded as UTF-8 (§2: "+" is a plus, not a space), CRLF in the body becomes LF.
/// Other hfields are ignored (they could add arbitrary headers, §6). Not a mailto: URL →
/// valid = false.
MailtoFields parseMailto(const QUrl &url);

} // namespace outpost::ui
