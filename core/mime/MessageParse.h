#pragma once
// Reading a stored message back into what the user wrote, for "Edit (back to draft)".

#include "MessageComposer.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace outpost::mime {

/// The draft recovered from a message, or an error.
struct ParsedDraft
{
    Draft draft;
    QString error; ///< empty on success; a short technical reason otherwise
    bool ok() const { return error.isEmpty(); }
};

/// Parses RFC 5322 bytes with GMime into a Draft: From (first mailbox), To and Cc (groups
/// flattened), Subject (RFC 2047 decoded), the first text/plain part that is not an
/// attachment as the body (decoded, in Unicode, LF line ends), the first such text/html part
/// as the HTML alternative, every other leaf part with a file name or an attachment
/// disposition as an attachment (decoded bytes, RFC 2231 name, its content type),
/// In-Reply-To and References. Bcc is not in the header (RFC 5322 §3.6.3 as Outpost writes
/// it): every address of `envelopeRecipients` (RFC 5321 forward-paths) that is neither in To
/// nor in Cc (compared without regard to case) becomes a Bcc. Errors: empty input or bytes
/// GMime cannot read as a message.
ParsedDraft parseDraft(const QByteArray &message, const QList<QByteArray> &envelopeRecipients);

} // namespace outpost::mime
