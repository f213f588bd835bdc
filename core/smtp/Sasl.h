#pragma once
// SASL client mechanisms for SMTP AUTH (RFC 4954). The session does the base64 and the
// 334/235 exchange; the mechanisms here only turn decoded challenges into raw responses.

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace outpost {

/// What an account authenticates with. Strings are Unicode; mechanisms send them as UTF-8.
struct SaslCredentials
{
    QString user;       ///< login name (authentication identity)
    QString password;   ///< for PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256
    QString oauthToken; ///< OAuth 2 access token for XOAUTH2 and OAUTHBEARER
    QString host;       ///< optional: server name for OAUTHBEARER's "host=" (RFC 7628 §3.1)
    int port = 0;       ///< optional: server port for OAUTHBEARER's "port=" (0 = not sent)
};

/// One client side of one SASL exchange (RFC 4422). Use once: create, take
/// initialResponse(), then call respond() for every 334 challenge until the server answers
/// 235 (success) or 535/5xx (refused). Errors are reported by respond() returning nullopt and
/// errorString() saying why (technical wording, for logs); the session then cancels the
/// exchange with "*" (RFC 4954 §4). Passwords and tokens never appear in errorString().
class SaslMechanism
{
public:
    virtual ~SaslMechanism() = default;
    /// The registered mechanism name, upper-case ("PLAIN", "SCRAM-SHA-256").
    virtual QByteArray name() const = 0;
    /// The raw initial response for "AUTH NAME <base64>" (RFC 4954 §4), or nullopt when the
    /// mechanism starts with a server challenge and "AUTH NAME" is sent alone. PLAIN, XOAUTH2,
    /// OAUTHBEARER and SCRAM-SHA-256 send one; LOGIN and CRAM-MD5 do not. A mechanism that has
    /// one also answers an empty first challenge with it (servers that ignore initial responses).
    virtual std::optional<QByteArray> initialResponse() = 0;
    /// Answers one decoded 334 challenge with raw response bytes (may be empty: the session
    /// then sends an empty line). nullopt: the exchange cannot continue, see errorString().
    virtual std::optional<QByteArray> respond(const QByteArray &challenge) = 0;
    /// True once the client side has done everything it has to: its last message was produced
    /// and, for SCRAM-SHA-256, the server signature was verified (RFC 5802 §3, mutual
    /// authentication). A session that gets 235 while this is false must treat SCRAM as failed.
    virtual bool isComplete() const = 0;
    /// Why the last call failed, or what the server reported in an OAuth error challenge.
    /// Empty when nothing went wrong.
    virtual QString errorString() const { return m_error; }

protected:
    QString m_error;
};

/// The mechanism names createSaslMechanism() knows, upper-case, strongest password
/// mechanism first.
QStringList supportedSaslMechanisms();

/// Creates the client for mechanism `name` (case-insensitive: PLAIN, LOGIN, CRAM-MD5,
/// SCRAM-SHA-256, XOAUTH2, OAUTHBEARER), or nullptr for an unknown name. `nonce` makes the
/// SCRAM client nonce (printable ASCII without ','; anything else is base64-encoded first);
/// by default 20 random bytes from QRandomGenerator::system(), base64-encoded. Tests pass a
/// fixed nonce to reproduce RFC vectors.
std::unique_ptr<SaslMechanism> createSaslMechanism(const QString &name,
                                                   const SaslCredentials &creds,
                                                   std::function<QByteArray()> nonce = {});

/// Which mechanism to use. `offered` are the server's AUTH mechanisms (any case);
/// `accountAuth` is the account setting: "auto" (or empty) or a mechanism name
/// (case-insensitive: plain, login, scram-sha-256, cram-md5, xoauth2, oauthbearer).
/// A named mechanism is returned (upper-case) only if the server offers it and the credentials
/// allow it. "auto" picks the strongest offered one the credentials allow:
/// SCRAM-SHA-256 > CRAM-MD5 > PLAIN > LOGIN when a user and password are given, then
/// OAUTHBEARER > XOAUTH2 when a token is given (so a token alone gives OAUTHBEARER or XOAUTH2).
/// Password mechanisms and XOAUTH2 need a user name; OAUTHBEARER does not.
/// Returns "" when nothing fits (the session reports ErrorClass::Auth).
QString chooseSaslMechanism(const QStringList &offered, const QString &accountAuth,
                            const SaslCredentials &creds);

} // namespace outpost
