#pragma once
// Minimal placeholder: PLAIN and LOGIN. The full set (SCRAM-SHA-256, CRAM-MD5, XOAUTH2,
// OAUTHBEARER) replaces this file.

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace outpost {

/// What a SASL mechanism may use: a password or an OAuth 2.0 access token.
struct SaslCredentials
{
    QString user;
    QString password;
    QString oauthToken;
};

/// One SASL client exchange (RFC 4422) as used by SMTP AUTH (RFC 4954). Works on raw
/// (decoded) bytes; the session does the base64 and the 334/235 dialogue.
class SaslMechanism
{
public:
    virtual ~SaslMechanism() = default;
    /// The mechanism name as sent on the AUTH line ("PLAIN").
    virtual QByteArray name() const = 0;
    /// Initial response for the AUTH line (RFC 4954 §4), or nullopt to send "AUTH NAME" alone.
    virtual std::optional<QByteArray> initialResponse() = 0;
    /// Answer to a decoded 334 challenge; nullopt when the exchange cannot go on.
    virtual std::optional<QByteArray> respond(const QByteArray &challenge) = 0;
    /// True once the exchange is complete from the client's side.
    virtual bool isComplete() const = 0;
    virtual QString errorString() const { return m_error; }

protected:
    QString m_error;
};

/// Creates a mechanism by name (case-insensitive); nullptr for unknown names.
std::unique_ptr<SaslMechanism> createSaslMechanism(const QString &name, const SaslCredentials &creds,
                                                   std::function<QByteArray()> nonce = {});
/// Picks the mechanism to use from those the server offered: `accountAuth` is "auto" (the
/// strongest usable) or one mechanism name. "" when nothing fits.
QString chooseSaslMechanism(const QStringList &offered, const QString &accountAuth,
                            const SaslCredentials &creds);

} // namespace outpost
