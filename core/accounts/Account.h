#pragma once

#include "smtp/Security.h"

#include <QMetaType>
#include <QString>

namespace outpost {

/// How an account signs in with OAuth 2.0 instead of a password (XOAUTH2 or OAUTHBEARER, the
/// mechanism being the account's `auth`). Kept as rows of the per-account `settings` table
/// (keys "oauth.*", see AccountStore), never with a token: the refresh token lives in the
/// system keychain or, where the user chose it, in a file of the data folder
/// (OAuthTokenStore); the access token only in the memory of the sending process.
struct AccountOAuth
{
    QString provider;     ///< "microsoft", "google" or "custom"; empty: the account uses no OAuth
    QString clientId;     ///< the user's own client registration; empty: the build's
    QString clientSecret; ///< an installed app's non-secret "secret" (Google), with clientId
    QString authorizeUrl; ///< custom: authorization endpoint (RFC 6749 §3.1)
    QString tokenUrl;     ///< custom: token endpoint (RFC 6749 §3.2)
    QString deviceUrl;    ///< custom: device authorization endpoint (RFC 8628 §3.1), optional
    QString revokeUrl;    ///< custom: revocation endpoint (RFC 7009 §2), optional
    QString scope;        ///< custom: space-separated scopes; presets bring their own
    /// Where the refresh token is kept: "keychain" (the system keychain, the default) or
    /// "file" (a file of the data folder readable only by the user: the weaker choice, for
    /// machines without a keychain service).
    QString tokenStore = QStringLiteral("keychain");

    /// True when the account signs in with OAuth.
    bool enabled() const { return !provider.isEmpty(); }
    bool operator==(const AccountOAuth &) const = default;
};

/// Whether sent messages are copied into the account's Sent folder: Auto is off where the
/// provider saves submitted mail itself (sentCopyEffective() in SentCopy.h), else on when an
/// IMAP server is set; On and Off are the user's choice.
enum class SentCopy
{
    Auto,
    On,
    Off,
};

/// A sending account: one submission server and the identity used on it. Secrets are not
/// part of it; they live in the CredentialStore (system keychain) or come from
/// passwordCommand.
struct Account
{
    QString name;       ///< unique, chosen by the user ("work")
    QString host;       ///< submission server host name
    quint16 port = 587; ///< TCP port
    Security security = Security::StartTls;
    QString auth = QStringLiteral(
        "auto");             ///< auto|none|plain|login|scram-sha-256|cram-md5|xoauth2|oauthbearer
    QString user;            ///< SASL authentication identity; empty = no AUTH
    QString from;            ///< default From address
    QString passwordCommand; ///< shell command whose first output line is the password
    QString caFile;          ///< extra trusted CA certificates (PEM), for this account only
    QString pinSha256;       ///< hex SHA-256 of a trusted leaf certificate (accepts exactly it)
    bool allowPlainAuth = false; ///< AUTH without TLS; honoured only for loopback hosts
    AccountOAuth oauth;          ///< OAuth 2.0 sign-in, when the account uses it

    /// The copy of each sent message in the Sent folder over IMAP (SentCopy.h). Same
    /// credentials as submission (the keychain entry or passwordCommand), same CA file and pin.
    QString imapHost;                      ///< IMAP server host name; empty = no IMAP server
    quint16 imapPort = 0;                  ///< 0 = the default for imapSecurity (993 or 143)
    Security imapSecurity = Security::Tls; ///< Tls (implicit, RFC 8314) or StartTls
    QString imapUser;                      ///< IMAP login name; empty = the submission user
    QString sentFolder; ///< the folder's name as the user gave it; empty = found by LIST
    SentCopy sentCopy = SentCopy::Auto;

    /// The IMAP port in use: imapPort, else 993 for TLS and 143 for STARTTLS.
    quint16 effectiveImapPort() const
    {
        return imapPort ? imapPort : (imapSecurity == Security::Tls ? 993 : 143);
    }
    /// The IMAP login name in use: imapUser, else the submission user.
    QString effectiveImapUser() const { return imapUser.isEmpty() ? user : imapUser; }

    /// True when the account sends AUTH at all.
    bool usesAuth() const { return auth != QLatin1String("none") && !user.isEmpty(); }
    /// Port for a security mode when the user did not give one: 465 for TLS, else 587.
    static quint16 defaultPort(Security s) { return s == Security::Tls ? 465 : 587; }
    bool operator==(const Account &) const = default;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::Account)
