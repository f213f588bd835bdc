#pragma once

#include "Sasl.h"
#include "Security.h"
#include "accounts/SettingKeys.h"

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
    QByteArray pinSha256; ///< raw 32-byte SHA-256 of the only leaf certificate to accept
    // The defaults are the settings' (kSettings): RFC 5321 §4.5.3.2 values for the replies.
    /// TCP connect and TLS handshake
    int connectTimeoutMs = int(settingDefault("timeout.connect"));
    /// RFC 5321 §4.5.3.2.1
    int greetingTimeoutMs = int(settingDefault("timeout.greeting"));
    /// RFC 5321 §4.5.3.2.2–4
    int commandTimeoutMs = int(settingDefault("timeout.command"));
    /// RFC 5321 §4.5.3.2.5
    int dataBlockTimeoutMs = int(settingDefault("timeout.data_block"));
    /// RFC 5321 §4.5.3.2.6
    int dataEndTimeoutMs = int(settingDefault("timeout.data_end"));
    /// reply to QUIT, then the server's close
    int quitTimeoutMs = int(settingDefault("timeout.quit"));
    /// RFC 2920 when offered
    bool allowPipelining = settingDefaultText("pipelining") != "off";
    /// RFC 3030 when offered
    bool allowChunking = settingDefaultText("chunking") != "off";
    /// Largest BDAT chunk in octets (RFC 3030 §2): a longer message goes as several chunks,
    /// each written from the message bytes themselves, never copied into a chunk buffer.
    qsizetype chunkSize = qsizetype(settingDefault("chunking.chunk_size"));
    /// Holds the end of each message's data (DATA's end marker, BDAT LAST) until the owner
    /// releases it: when the data begins the session emits endOfDataAhead(), and the end
    /// goes only after SmtpSession::releaseEndOfData() (the outbox has recorded durably that
    /// the message may be sent from then on). Off: the end goes as soon as the data is out.
    bool holdEndOfData = false;
    QString logTag; ///< account name, prefixed to log lines
};

} // namespace outpost
