#pragma once

#include "SmtpResult.h"

#include <QByteArray>
#include <QHash>
#include <QStringList>

namespace outpost {

/// What a server offers, parsed from its EHLO reply (RFC 5321 §4.1.1.1: the first line is
/// the domain, every further line one EHLO keyword with parameters). Keywords are matched
/// without regard to case. After HELO (no EHLO) the value is empty: no extensions.
struct Capabilities
{
    bool esmtp = false;               ///< the session used EHLO successfully
    QByteArray domain;                ///< the server's name from the first line
    bool pipelining = false;          ///< RFC 2920
    bool chunking = false;            ///< RFC 3030 (BDAT)
    bool binaryMime = false;          ///< RFC 3030
    bool eightBitMime = false;        ///< RFC 6152
    bool smtpUtf8 = false;            ///< RFC 6531
    bool dsn = false;                 ///< RFC 3461
    bool enhancedStatusCodes = false; ///< RFC 2034
    bool startTls = false;            ///< RFC 3207
    bool requireTls = false;          ///< RFC 8689
    bool sizeAdvertised = false;      ///< SIZE keyword present (RFC 1870)
    qint64 sizeLimit = 0;             ///< SIZE value in octets; 0 when absent or "no fixed limit"
    QStringList authMechanisms;       ///< AUTH mechanisms (RFC 4954), upper-case, in server order,
                                      ///< each once; invalid names (RFC 4422 §3.1) left out
    QHash<QByteArray, QByteArray> keywords; ///< every keyword (upper-case) -> its parameters

    /// Parses a positive EHLO reply. Unknown keywords are kept in `keywords` only.
    static Capabilities fromEhloReply(const SmtpReply &reply);
    bool has(const QByteArray &keyword) const { return keywords.contains(keyword.toUpper()); }
    /// One line per keyword, as the server sent them (for `account test` and the UI).
    QStringList describe() const;
};

} // namespace outpost
