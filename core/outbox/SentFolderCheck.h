#pragma once

#include <QMetaType>
#include <QString>

namespace outpost {

/// What a look into the Sent folder found for a message that may have been sent already
/// (its end of data went out and no reply was recorded): the Dispatcher asks the
/// CopyDispatcher before sending such a message again. Stable names: sentFolderCheckName().
enum class SentFolderCheck
{
    Found,    ///< "found": a message with its Message-ID is in the Sent folder: it was sent
    NotFound, ///< "not-found": the folder was searched and holds no such message
    Failed,   ///< "failed": the folder could not be searched (no IMAP, login, network, no folder)
    TimedOut, ///< "timed-out": no answer within the Dispatcher's bound; the check is given up
};

/// The stable name of `c` ("not-found").
inline QString sentFolderCheckName(SentFolderCheck c)
{
    switch (c) {
    case SentFolderCheck::Found:
        return QStringLiteral("found");
    case SentFolderCheck::NotFound:
        return QStringLiteral("not-found");
    case SentFolderCheck::Failed:
        return QStringLiteral("failed");
    case SentFolderCheck::TimedOut:
        return QStringLiteral("timed-out");
    }
    return QStringLiteral("failed");
}

/// The outcome of one check (CopyDispatcher::checkSentFolder()).
struct SentFolderCheckResult
{
    qint64 id = 0; ///< the message's outbox id
    SentFolderCheck outcome = SentFolderCheck::Failed;
    quint32 uid = 0; ///< Found: the UID of the copy (the lowest when several match)
    QString mailbox; ///< the folder searched, decoded (e.g. "Sent")
    QString server;  ///< "host:port" of the IMAP server
    QString detail;  ///< Failed: what went wrong (class and the server's text), for the history
};

} // namespace outpost

Q_DECLARE_METATYPE(outpost::SentFolderCheckResult)
