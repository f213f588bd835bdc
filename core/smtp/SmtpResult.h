#pragma once
// Structured outcomes of SMTP work. User-facing words are made from these only in ui/ and app/.

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace outpost {

/// The kind of an outcome, as the dispatcher decides on it (design.md §2, shared/cases README).
enum class ErrorClass
{
    None,        ///< success
    Transient,   ///< 4xx reply (RFC 5321 §4.2.1)
    Permanent,   ///< 5xx reply
    Network,     ///< connection refused, reset, lost, DNS failure
    Timeout,     ///< a per-state timeout expired (RFC 5321 §4.5.3.2)
    Tls,         ///< TLS could not be set up or was refused (STARTTLS missing, 454, handshake)
    Certificate, ///< the server's certificate is not trusted
    Auth,        ///< authentication refused (535/534) or no usable mechanism
    Protocol,    ///< malformed or unexpected server data
    Local, ///< refused before talking to the server (bad address, too large, missing extension)
    /// The password could not be had in time (a password command that did not finish): a
    /// local condition, retried on the backoff; the account is not paused, nothing was refused.
    Credentials,
    /// The message's octets could not be read from the outbox while it went out (a damaged
    /// file, an I/O error, the message removed meanwhile): nothing was delivered (the end of
    /// data was never sent), nothing was refused; retried on the backoff.
    Storage,
    /// The account's OAuth sign-in is no longer valid: the provider refused the refresh token
    /// (RFC 6749 §5.2 invalid_grant: revoked, expired, password changed) or there is none. The
    /// account needs attention: the user signs in again; its messages are held meanwhile.
    SignIn,
};

/// Stable lower-case name of a class, as `outpost list --json` prints it ("" for None).
QString errorClassName(ErrorClass c);
/// Inverse of errorClassName(); unknown names give ErrorClass::None.
ErrorClass errorClassFromName(const QString &name);

/// One server reply (RFC 5321 §4.2) or a locally made outcome that has no reply (code 0).
struct SmtpReply
{
    int code = 0;            ///< three-digit reply code, 0 when no reply was received
    QByteArray enhanced;     ///< enhanced status code "x.y.z" (RFC 3463), empty if none
    QList<QByteArray> lines; ///< text of each line after the code, separator and enhanced code

    /// Text of all lines joined with a space (UTF-8, lossy).
    QString text() const;
    /// text() bounded for storage: at most `maxOctets` octets of UTF-8 (cut at a character
    /// boundary), then " [...]" with the reply's size and line count. A reply is stored with
    /// the outcome of every message it concerned: a 1 MB reply must not cost a megabyte each.
    QString boundedText(int maxOctets = 1024) const;
    bool isPositive() const { return code >= 200 && code < 400; }
    bool isTransient() const { return code >= 400 && code < 500; }
    bool isPermanent() const { return code >= 500 && code < 600; }
};

/// What is recorded for a recipient that Outpost left out of the envelope because its address
/// is not ASCII and the server offers no SMTPUTF8 (RFC 6531 §3.2): no reply code (the server
/// said nothing about it) and the enhanced status code 5.6.7 (RFC 6531 §3.7.4.1, "non-ASCII
/// addresses not permitted for that recipient"), so it counts as refused for good.
SmtpReply recipientNeedsSmtpUtf8();
/// True for the reply recipientNeedsSmtpUtf8() makes.
bool isSmtpUtf8Refusal(const SmtpReply &r);

/// The outcome of one piece of SMTP work: class, the reply that decided it and a technical
/// detail for logs (never shown raw to users; ui/ makes words from class and reply).
struct SmtpResult
{
    ErrorClass errorClass = ErrorClass::None;
    SmtpReply reply;
    QString detail;
    QList<QByteArray> certificateChainPem; ///< the server's chain (PEM) when class is Certificate
    QStringList certificateErrors;         ///< why the chain was not trusted

    bool ok() const { return errorClass == ErrorClass::None; }
    static SmtpResult success(const SmtpReply &r)
    {
        SmtpResult s;
        s.reply = r;
        return s;
    }
    static SmtpResult failure(ErrorClass c, const QString &detail, const SmtpReply &r = {})
    {
        SmtpResult s;
        s.errorClass = c;
        s.reply = r;
        s.detail = detail;
        return s;
    }
    /// Classifies a negative reply: 4xx transient, 5xx permanent (RFC 5321 §4.2.1).
    static SmtpResult fromReply(const SmtpReply &r);
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::SmtpResult)
