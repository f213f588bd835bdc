#pragma once

#include "Sasl.h"
#include "Security.h"

#include <QList>
#include <QSslCertificate>
#include <QString>

namespace outpost {

/// Everything one session needs to reach and use a submission server. Times in milliseconds.
struct SessionConfig
{
    QString host; ///< server name: used for SNI and certificate checks
    quint16 port = 587;
    Security security = Security::StartTls;
    QString connectHost; ///< address to connect to instead of `host` (tests); empty = host
    QString auth = QStringLiteral("auto");
    SaslCredentials credentials; ///< empty user = no AUTH
    bool allowPlainAuth = false; ///< AUTH without TLS, honoured only for loopback addresses
    QList<QSslCertificate> extraCaCertificates; ///< trusted in addition to the system store
    QByteArray pinSha256;            ///< raw 32-byte SHA-256 of the only leaf certificate to accept
    int connectTimeoutMs = 30000;    ///< TCP connect and TLS handshake
    int greetingTimeoutMs = 300000;  ///< RFC 5321 §4.5.3.2.1
    int commandTimeoutMs = 300000;   ///< RFC 5321 §4.5.3.2.2–4
    int dataBlockTimeoutMs = 180000; ///< RFC 5321 §4.5.3.2.5
    int dataEndTimeoutMs = 600000;   ///< RFC 5321 §4.5.3.2.6
    int quitTimeoutMs = 5000;        ///< reply to QUIT, then the server's close
    bool allowPipelining = true;     ///< RFC 2920 when offered
    bool allowChunking = true;       ///< RFC 3030 when offered
    /// Largest BDAT chunk in octets (RFC 3030 §2): a longer message goes as several chunks,
    /// each written from the message bytes themselves, never copied into a chunk buffer.
    qsizetype chunkSize = 1024 * 1024;
    QString logTag; ///< account name, prefixed to log lines
};

} // namespace outpost
