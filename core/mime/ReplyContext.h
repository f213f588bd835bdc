#pragma once
// A reply to an existing message (RFC 5322 §3.6.4): who it goes to, its Subject and the
// thread fields, taken from the message being replied to (an imported .eml file).

#include "Address.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace outpost::mime {

/// The fields of a reply, ready for Draft (to, subject, inReplyTo, references).
struct ReplyContext
{
    QList<Mailbox> to;            ///< the parent's Reply-To, else its From (else Sender)
    QString subject;              ///< "Re: " and the parent's decoded Subject, "Re: " once
    QByteArray inReplyTo;         ///< the parent's Message-ID, without <>; empty if it had none
    QList<QByteArray> references; ///< msg-ids without <>, oldest first
    QString error;                ///< empty on success; a short technical reason otherwise
    bool ok() const { return error.isEmpty(); }
};

/// At most this many msg-ids in a reply's References: the thread's root and the latest ones.
constexpr int kMaxReferences = 20;

/// Reads `parent` (an RFC 5322 message; only its header matters) with GMime and makes the
/// reply fields. References (RFC 5322 §3.6.4) = the parent's References (else its In-Reply-To
/// when that holds exactly one msg-id) followed by the parent's Message-ID; invalid and
/// repeated msg-ids are dropped, and a longer chain keeps its first msg-id and the last
/// kMaxReferences - 1. Errors: empty input, no header, no Reply-To/From/Sender address.
/// A parent without a Message-ID still gives To and Subject (no thread fields).
ReplyContext replyContext(const QByteArray &parent);

/// "Re: " + `subject`, with any leading "Re:" prefixes (any case, repeated, "Re[2]:") of
/// `subject` removed first so that the result starts with exactly one "Re: ".
QString replySubject(const QString &subject);

/// The References of a reply: `parentReferences` (or, when empty, `parentInReplyTo` if it is
/// exactly one msg-id) then `parentMessageId`; msg-ids without <>, invalid ones and repeats
/// dropped, trimmed to kMaxReferences as replyContext() says.
QList<QByteArray> replyReferences(const QList<QByteArray> &parentReferences,
                                  const QList<QByteArray> &parentInReplyTo,
                                  const QByteArray &parentMessageId);

} // namespace outpost::mime
