#pragma once

#include "smtp/Security.h"

#include <QMetaType>
#include <QString>

namespace outpost {

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

    /// True when the account sends AUTH at all.
    bool usesAuth() const { return auth != QLatin1String("none") && !user.isEmpty(); }
    /// Port for a security mode when the user did not give one: 465 for TLS, else 587.
    static quint16 defaultPort(Security s) { return s == Security::Tls ? 465 : 587; }
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::Account)
