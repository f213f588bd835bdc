#pragma once
// Import of an existing RFC 5322 message (`outpost queue --eml`, `outpost sendmail`).

#include "MessageComposer.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace outpost::mime {

/// How importMessage() takes the envelope and makes missing fields.
struct ImportOptions
{
    /// MAIL FROM; when set (even to "", the null reverse-path) it overrides the headers.
    std::optional<QByteArray> mailFrom;
    /// RCPT TO; when non-empty it overrides the recipients taken from the headers.
    QList<QByteArray> recipients;
    /// Message-ID and Date for fields the message lacks.
    ComposeGenerators gen;
};

/// Takes a message as it is: line ends become CRLF (normalizeCrlf() on the whole message),
/// Bcc and Resent-Bcc fields are removed, Message-ID and Date are added at the top of the
/// header when missing (RFC 5322 §3.6: both required); every other byte stays as it was. A
/// leading mbox "From " separator line is dropped. The envelope comes from From (else Sender)
/// and To/Cc/Bcc, or from the topmost Resent-* block when there is one (RFC 5322 §3.6.6),
/// unless `options` override it; addresses must pass addressProblem(), domains become
/// A-labels. Errors: empty input, no header block, a line in the header that is not a field
/// (binary data, NUL), no sender, no recipients, a bad address (named).
ComposedMessage importMessage(const QByteArray &raw, const ImportOptions &options = {});

/// Every bare CR and every bare LF becomes CRLF; CRLF stays.
QByteArray normalizeCrlf(const QByteArray &bytes);

} // namespace outpost::mime
