#pragma once

#include "ImapResponseParser.h"
#include "net/TlsPolicy.h"
#include "smtp/Sasl.h"
#include "smtp/Security.h"

#include <QList>
#include <QSslCertificate>
#include <QString>

namespace outpost {

/// Everything one IMAP session needs to reach and use a server. Times in milliseconds.
/// Security and credentials are the SMTP side's types: an account's IMAP server follows the
/// same TLS policy (TlsPolicy) and signs in with the same SASL mechanisms.
struct ImapConfig
{
    QString host; ///< server name: used for SNI and certificate checks
    quint16 port = 993;
    Security security = Security::Tls; ///< Tls: port 993 (RFC 8314 §3); StartTls: RFC 9051 §6.2.1
    QString connectHost; ///< address to connect to instead of `host` (tests); empty = host
    /// "auto", a SASL mechanism name (AUTHENTICATE, RFC 9051 §6.2.2) or "imap-login" (the
    /// LOGIN command, RFC 9051 §6.2.3). "auto" takes the strongest offered mechanism the
    /// credentials allow, else LOGIN unless the server announces LOGINDISABLED.
    QString auth = QStringLiteral("auto");
    SaslCredentials credentials;
    bool allowPlainAuth = false; ///< credentials without TLS, honoured only for loopback hosts
    QList<QSslCertificate> extraCaCertificates; ///< trusted in addition to the system store
    QByteArray pinSha256;          ///< raw 32-byte SHA-256 of the only leaf certificate to accept
    int connectTimeoutMs = 30000;  ///< TCP connect and TLS handshake
    int greetingTimeoutMs = 60000; ///< the server's greeting
    /// Longest wait without progress (a response read or octets written) while a command runs.
    int commandTimeoutMs = 120000;
    int logoutTimeoutMs = 5000;   ///< reply to LOGOUT, then the server's close
    bool allowLiteralPlus = true; ///< non-synchronizing literals (RFC 7888) when offered
    /// APPENDs in flight at once on one session when LITERAL+ is used (each waits only for its
    /// tagged response); without LITERAL+ commands run one by one.
    int maxPipelined = 16;
    ImapResponseParser::Limits limits; ///< bounds on what the server may send
    QString logTag;                    ///< account name, prefixed to log lines

    /// The TLS policy of this server.
    TlsPolicy tlsPolicy() const { return TlsPolicy{host, extraCaCertificates, pinSha256}; }
    /// "host:port".
    QString server() const { return QStringLiteral("%1:%2").arg(host).arg(port); }
};

} // namespace outpost
