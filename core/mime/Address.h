#pragma once
// E-mail addresses as users type them: parsing of address lists, validation for SMTP
// submission, and the forms an address takes in the envelope and in headers.

#include <QByteArray>
#include <QList>
#include <QString>

namespace outpost::mime {

/// One mailbox: an optional display name and an addr-spec (RFC 5322 §3.4).
struct Mailbox
{
    QString name;    ///< display name, Unicode, unencoded; empty when none
    QString address; ///< addr-spec as typed, Unicode allowed (RFC 6531 / RFC 6532)
};

/// The result of parseAddressList(): the mailboxes, or an error naming the bad address.
struct AddressListResult
{
    QList<Mailbox> mailboxes;
    QString error; ///< empty on success; else `"<address>": <reason>` (control chars escaped)
    bool ok() const { return error.isEmpty(); }
};

/// Parses an address list as a user types it: `A <a@b>, "B, C" <c@d>, e@f`. Separators are
/// ',' or ';' outside quotes and angle brackets; empty entries are skipped. A display name is
/// plain words or a quoted-string (backslash escapes are resolved). Every address must pass
/// addressProblem(); the first bad one makes the whole result an error that names it. Any CR
/// or LF anywhere is an error (header/command injection, RFC 5322 §2.2).
AddressListResult parseAddressList(const QString &text);

/// Checks an addr-spec for SMTP submission: RFC 5321 §4.1.2 Mailbox (Dot-string or
/// Quoted-string local part, domain of LDH labels or an address literal), RFC 5322 §3.4.1,
/// extended by RFC 6531 (UTF-8 in the local part, U-labels in the domain). Limits: local part
/// 64 octets, domain 255 octets, label 63 octets, whole path 254 octets (RFC 5321 §4.5.3.1).
/// Returns "" when valid, else a short technical reason. CR, LF, any control character,
/// a space outside quotes, '<' and '>' always make the address invalid.
QString addressProblem(const QString &addrSpec);

/// The address as it goes on the wire in MAIL FROM / RCPT TO (without the angle brackets):
/// the local part as UTF-8, the domain as an IDNA A-label (QUrl::toAce) unless the server
/// offered SMTPUTF8, in which case a U-label domain is kept as UTF-8. ASCII domains are kept
/// as typed. The address should have passed addressProblem(); an invalid one gives "".
QByteArray envelopeAddress(const QString &addrSpec, bool smtpUtf8Offered);

/// The addr-spec as it is written in a header field: like envelopeAddress(addrSpec, false)
/// (A-label domain, so the header stays 7-bit unless the local part is non-ASCII).
QByteArray headerAddress(const QString &addrSpec);

/// True when the local part holds non-ASCII characters, so that the message can only be sent
/// with SMTPUTF8 (RFC 6531 §3.2). A Unicode domain alone does not need it (it goes as an
/// A-label).
bool needsSmtpUtf8(const QString &addrSpec);

/// The domain part of an addr-spec as an A-label (address literals as typed), "" if none.
QByteArray aceDomain(const QString &addrSpec);

/// `text` with control characters shown as escapes (\r, \n, \t, \xHH), for error strings.
QString escapeControls(const QString &text);

} // namespace outpost::mime
