#pragma once

#include "smtp/SmtpResult.h"
#include "storage/DiskSpace.h"
#include "storage/OutboxTypes.h"

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
        PartiallySent, ///< a message was sent, but the server refused some recipients for good
        DiskFull,      ///< the outbox could not be written for want of room: sending stopped until
                       ///< it can be (`storage` says how much is free); nothing was lost
    };
    Kind kind = Kind::MessageFailed;
    QString account;
    qint64 messageId = 0;
    int count = 0;     ///< BatchSent: messages sent; AccountPaused: messages held; PartiallySent:
                       ///< recipients the message reached
    SmtpResult result; ///< what went wrong (class, reply, certificate chain)
    /// PartiallySent: the envelope's recipients in all.
    int recipients = 0;
    /// PartiallySent: the recipients refused for good, each with the server's reply, in the
    /// order they were refused.
    QList<RecipientRecord> refused;
    /// DiskFull: the failure, with the free space of the data folder.
    StorageError storage;
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::Notice)
