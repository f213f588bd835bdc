#pragma once

#include "smtp/SmtpResult.h"

#include <QMetaType>
#include <QString>

namespace outpost {

/// Something the user should be told about (a tray notification, a line from the CLI).
/// Core only says what happened; ui/ and app/ choose the words.
struct Notice
{
    enum class Kind
    {
        AccountPaused, ///< authentication, TLS or certificate problem: the account's messages are
                       ///< held
        MessageFailed, ///< a message failed permanently (or expired)
        BatchSent,     ///< messages queued while offline have all gone out
    };
    Kind kind = Kind::MessageFailed;
    QString account;
    qint64 messageId = 0;
    int count = 0;     ///< BatchSent: messages sent; AccountPaused: messages held
    SmtpResult result; ///< what went wrong (class, reply, certificate chain)
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::Notice)
