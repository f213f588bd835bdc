#pragma once
// Composition of an Internet message (RFC 5322, MIME RFC 2045-2049) from what a user wrote,
// on GMime 3.2. A pure function: randomness and time come from injectable generators.

#include "Address.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>

namespace outpost::mime {

/// One attached file; `content` is copied into the message as base64.
struct Attachment
{
    QString fileName;   ///< file name only (no path); non-ASCII and long names go as RFC 2231
    QByteArray content; ///< the file's bytes
    QString mimeType;   ///< "type/subtype"; empty: QMimeDatabase decides from name and content
};

/// What the user wrote. Bcc goes into the envelope only, never into a header.
struct Draft
{
    Mailbox from;
    QList<Mailbox> to, cc, bcc, replyTo;
    QString subject;  ///< CR/LF become a space
    QString textBody; ///< LF, CR or CRLF line ends; sent as CRLF, always ending with one
    QString htmlBody; ///< optional: makes the message multipart/alternative
    QList<Attachment> attachments;
    QList<QPair<QString, QString>> extraHeaders; ///< e.g. {"X-Mailer", "Outpost"}; unstructured
    QByteArray inReplyTo;                        ///< a msg-id, with or without <>
    QList<QByteArray> references;                ///< msg-ids, with or without <>
};

/// The SMTP envelope (RFC 5321 §2.3.1): addresses without angle brackets, domains as A-labels.
struct Envelope
{
    QByteArray reversePath;       ///< MAIL FROM address; empty for the null reverse-path
    QList<QByteArray> recipients; ///< RCPT TO addresses: to, cc, bcc; duplicates removed
    bool needsSmtpUtf8 = false;   ///< a local part is non-ASCII (RFC 6531)
};

/// Sources of uniqueness and time; a null member means the real one.
struct ComposeGenerators
{
    /// A unique Message-ID (without <>) in the given domain (A-label). Real: GMime's.
    std::function<QByteArray(const QByteArray &domain)> messageId;
    /// The time for the Date field. Real: the current local time with its UTC offset.
    std::function<QDateTime()> now;
    /// A MIME boundary, called once per multipart. Real: GMime's random boundary.
    std::function<QByteArray()> boundary;
};

/// The composed message, or an error.
struct ComposedMessage
{
    QByteArray data;      ///< the whole message, CRLF line ends, no line over 998 octets
    QByteArray messageId; ///< without <>
    Envelope envelope;
    QString error; ///< empty on success; a short technical reason otherwise
    /// importMessage(): the input is no RFC 5322 message at all (empty, no header block, a
    /// header line that is not a field), as opposed to one with a bad or missing field.
    bool notAMessage = false;
    bool ok() const { return error.isEmpty(); }
};

/// Builds the message. Rules: text/plain UTF-8 body in 7bit, quoted-printable or base64 (as
/// GMime finds best under a 7-bit constraint, RFC 2045 §6); with htmlBody a
/// multipart/alternative, or text/html alone when textBody is empty; with attachments a
/// multipart/mixed (base64, RFC 2231 file names); headers From, Reply-To, To, Cc with RFC 2047
/// display names, Subject (RFC 2047, encoded-words of at most 75 octets never splitting a
/// character), Date (RFC 5322 §3.3), Message-ID, In-Reply-To, References, MIME-Version. Domains are
/// written as A-labels; a non-ASCII local part is written as UTF-8 (RFC 6532) and sets
/// envelope.needsSmtpUtf8. Errors (in ComposedMessage::error): no or bad From, no recipients, a bad
/// address (named), CR/LF or another control character in a display name, a bad extra header, a bad
/// msg-id.
ComposedMessage composeMessage(const Draft &draft, const ComposeGenerators &gen = {});

/// One mailbox header field (`name`: "From", "Reply-To", ...) ending in CRLF, folded
/// (RFC 5322 §2.2.3): the display name as an RFC 5322 phrase, RFC 2047 encoded by GMime where
/// it is not ASCII, CR and LF in it turned into spaces; the address as headerAddress() writes
/// it. `addrSpec` must be valid (addressProblem() is empty).
QByteArray mailboxField(const QByteArray &name, const QString &displayName,
                        const QString &addrSpec);

} // namespace outpost::mime
