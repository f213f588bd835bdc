#pragma once
// The values the outbox stores and reads: message states, records, history entries, what is
// enqueued, claimed and written back after an attempt. Shared by the reader, the writer and
// everything above them.

#include "HistoryEvent.h"
#include "smtp/Dsn.h"
#include "smtp/SmtpResult.h"
#include "smtp/WireEncoding.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace outpost {

/// The life of a message in the outbox (design.md §4).
enum class MessageState
{
    Draft,
    Queued,
    Sending,
    Sent,
    Failed,
    Held
};
/// "draft", "queued", "sending", "sent", "failed", "held".
QString messageStateName(MessageState s);
/// Inverse of messageStateName(); false for unknown names.
bool messageStateFromName(const QString &name, MessageState *out);

/// Whether a `sent` message reached every recipient. The state says the server took the
/// message; this says for whom, so `sent` keeps meaning what scripts filtering on it expect
/// while a refused recipient is never hidden behind it.
enum class Delivery
{
    None,     ///< not sent (yet): every state but `sent`
    Complete, ///< sent, and every recipient accepted
    Partial,  ///< sent, but the server refused some recipients for good (5xx)
};
/// "complete", "partial"; empty for Delivery::None (`delivery` is null in the JSON then).
QString deliveryName(Delivery d);

/// The copy of a sent message in its account's Sent folder (IMAP APPEND), kept apart from the
/// message's own state: a copy that fails never sends the message again.
enum class CopyState
{
    None,    ///< no copy is made (not sent yet, or the account makes none)
    Pending, ///< the server accepted the message; its copy is to be appended
    Failed,  ///< the last APPEND failed (copyError says why); retried at copyNextAttemptAt
    Copied,  ///< the copy is in the Sent folder (copyUid when the server said)
};
/// "none", "pending", "failed", "copied".
QString copyStateName(CopyState s);
/// Inverse of copyStateName(); CopyState::None for unknown names.
CopyState copyStateFromName(const QString &name);

/// One envelope recipient and what became of it.
struct RecipientRecord
{
    QByteArray address;
    MessageState state = MessageState::Queued; ///< queued (to send), sent, or failed
    SmtpReply reply;                           ///< the server's last word on it
};

/// One event in a message's history (queued, attempt results, user actions).
struct HistoryEntry
{
    QDateTime at;
    HistoryEvent event = HistoryEvent::Unknown;
    ErrorClass errorClass = ErrorClass::None;
    SmtpReply reply;
    bool uncertain = false; ///< delivery uncertain (connection lost after the end of data)
    QString server;         ///< "host:port" for attempts
    QString detail;    ///< technical detail for logs and the details view; for RetryRequested the
                       ///< dropped schedule's time (ISO 8601), when there was one
    QStringList notes; ///< transactionNoteName()s of the attempt, e.g. "dsn-not-offered"
};

/// The listing fields of a message (no bytes, no history): cheap to read in bulk.
struct MessageSummary
{
    qint64 id = 0;
    QString account;
    MessageState state = MessageState::Queued;
    ErrorClass errorClass = ErrorClass::None;
    QString fromText;
    QString toText; ///< the visible recipients (To, Cc) as the user wrote them
    QString subject;
    int attempts = 0;
    QDateTime createdAt;
    QDateTime sendAt;        ///< scheduled time (invalid = as soon as possible)
    QDateTime nextAttemptAt; ///< when the dispatcher tries next (queued only)
    QDateTime sentAt;        ///< when the server took it (invalid while it has not)
    SmtpReply lastReply;
    QString lastDetail;   ///< technical detail of the last failure (no reply)
    QByteArray messageId; ///< Message-ID without angle brackets
    bool uncertain = false;
    qint64 size = 0;            ///< octets of the stored message
    DsnRequest dsn;             ///< delivery status notifications asked for (none for rows from
                                ///< before schema 2)
    bool heldByAccount = false; ///< held because its account needs attention, not by the user
    int recipientCount = 0;     ///< envelope recipients (To, Cc and Bcc)
    /// Recipients in state `failed`: in a `sent` message exactly those the server refused for
    /// good, which makes the delivery partial.
    int refusedRecipients = 0;
    /// When the message's bytes were dropped after `retention.sent_days` (invalid: they are
    /// kept). Its record, recipients and history stay; what needs the bytes (export) cannot be
    /// done any more.
    QDateTime contentDroppedAt;
    /// True while the message's bytes are stored.
    bool contentKept() const { return !contentDroppedAt.isValid(); }

    CopyState copyState = CopyState::None; ///< the copy in the Sent folder
    int copyAttempts = 0;                  ///< APPENDs tried for it
    QDateTime copyNextAttemptAt;           ///< pending or failed: the next try (invalid: none)
    QString copyErrorClass;                ///< failed: imapErrorClassName() of the last failure
    QString copyError;                     ///< failed: the server's text or what went wrong
    quint32 copyUid = 0;                   ///< copied: the copy's UID (0 when not known)

    /// Complete or Partial for a `sent` message, None otherwise.
    Delivery delivery() const
    {
        if (state != MessageState::Sent)
            return Delivery::None;
        return refusedRecipients > 0 ? Delivery::Partial : Delivery::Complete;
    }
};

/// Why a read of the outbox failed (OutboxReader::forEachSummary(), message()).
struct ReadFailure
{
    bool damaged = false; ///< SQLite found the file damaged (Database::isCorruption())
    QString detail;       ///< SQLite's words (technical; for the log or an error line)
};

/// Everything stored about one message except its bytes.
struct MessageRecord : MessageSummary
{
    QByteArray reversePath;
    bool needsSmtpUtf8 = false;
    QList<RecipientRecord> recipients;
    QList<HistoryEntry> history;
};

/// A message to put into the outbox: frozen bytes and envelope.
struct NewMessage
{
    QString account;
    QByteArray data; ///< RFC 5322 bytes, CRLF
    QByteArray messageId;
    QByteArray reversePath;
    QList<QByteArray> recipients;
    bool needsSmtpUtf8 = false;
    QString fromText;
    QString toText;
    QString subject;
    DsnRequest dsn;   ///< delivery status notifications to ask for (RFC 3461); must pass
                      ///< checkDsnRequest()
    QDateTime sendAt; ///< invalid = now
    MessageState state = MessageState::Queued; ///< Queued, Held or Draft
};

/// A message the dispatcher claimed for sending (state is now `sending`): its envelope and
/// what its octets come to, never the octets themselves (they are read in pieces while the
/// message goes out: MessageBlob.h).
struct ClaimedMessage
{
    qint64 id = 0;
    QString account;
    QByteArray reversePath;
    QList<QByteArray> recipients; ///< only those still to be sent
    /// The recipients earlier attempts settled (sent or failed), with the server's reply: a
    /// retry of deferred recipients ends the message, and whether it reached everyone
    /// depends on these too.
    QList<RecipientRecord> settled;
    qint64 size = 0;   ///< octets of the stored message
    WireShape shape;   ///< its wire form, scanned piece by piece at the claim
    QString readError; ///< not empty: the octets could not be read at the claim (why)
    bool needsSmtpUtf8 = false;
    DsnRequest dsn;
    int attempts = 0;
    QDateTime createdAt;
    QByteArray messageId;   ///< without angle brackets
    bool uncertain = false; ///< an earlier attempt may have been taken by the server already
};

/// What the dispatcher decided about one attempt; applied in one transaction.
struct DeliveryUpdate
{
    qint64 id = 0;
    MessageState state = MessageState::Queued;
    ErrorClass errorClass = ErrorClass::None;
    SmtpReply reply;
    QString detail;
    bool countAttempt = true;
    QDateTime nextAttemptAt;
    bool uncertain = false; ///< sets the message's uncertain flag (never clears it)
    HistoryEvent event = HistoryEvent::Unknown; ///< for the history entry; HeldAccountPaused
                                                ///< with state Held marks it held by its account
    QString server;
    QList<RecipientRecord> recipients; ///< new states of recipients (matched by address)
    QStringList notes;                 ///< for the history entry (transactionNoteName()s)
    /// The server accepted the message and its account copies sent messages: the copy
    /// becomes pending (due now) and the send time is kept, in the same write. A message
    /// whose copy is past `none` (an earlier attempt reached some recipients) keeps its copy.
    bool copyPending = false;
    /// The message was found in the Sent folder (resolved by the Sent folder): that is its
    /// copy, `copied` with copyFoundUid, in the same write; never appended again.
    bool copyFound = false;
    quint32 copyFoundUid = 0; ///< with copyFound: the UID found (0 when not known)
};

/// A copy claimed for appending (OutboxWriter::claimDueCopies()).
struct ClaimedCopy
{
    qint64 id = 0;
    QString account;
    QByteArray data;      ///< the message exactly as submitted
    QByteArray messageId; ///< without angle brackets
    QDateTime sentAt;     ///< the copy's internal date
    /// APPENDs tried before this one (counted at the claim): more than 0 means an earlier one
    /// may have been stored without its answer reaching us, so it is checked first.
    int attemptsBefore = 0;
};

/// What one copy attempt did (OutboxWriter::applyCopyUpdates()).
struct CopyUpdate
{
    qint64 id = 0;
    CopyState state = CopyState::Copied;        ///< Copied, Failed or Pending (not attempted)
    QString errorClass;                         ///< imapErrorClassName() when Failed
    QString error;                              ///< the server's text or what went wrong
    quint32 uid = 0;                            ///< Copied: the copy's UID, 0 when not known
    QDateTime nextAttemptAt;                    ///< Failed/Pending: the next try; invalid: none
    bool uncountAttempt = false;                ///< not attempted after all (Outpost quit first)
    HistoryEvent event = HistoryEvent::Unknown; ///< the history entry, Unknown for none
    QString server;                             ///< "host:port" of the IMAP server
    QString detail;                             ///< for the history entry
};

/// A message removed by OutboxWriter::purge() (or that it would remove).
struct PurgedMessage
{
    qint64 id = 0;
    MessageState state = MessageState::Sent; ///< sent or failed
    qint64 size = 0;                         ///< octets of the message (its bytes, when kept)
    bool contentKept = true;                 ///< its bytes were still stored
};

/// What OutboxWriter::purge() removes: finished messages (sent, failed) that reached their
/// state before a time.
struct PurgeFilter
{
    QDateTime before;   ///< messages sent or failed before this time
    bool sent = true;   ///< include `sent` messages
    bool failed = true; ///< include `failed` messages
};

/// A message the last process left in `sending`: it ended (a crash, a kill, a power cut)
/// before the outcome of the attempt was recorded. Read by OutboxWriter::recoverInterrupted().
struct InterruptedMessage
{
    qint64 id = 0;
    int attempts = 0; ///< attempts recorded before the interrupted one
    /// The end of its data (DATA's end marker, BDAT LAST) had been cleared to go on the wire
    /// (OutboxWriter::markEndOfData()): the server may have taken the message.
    bool endOfDataMayHaveGone = false;
    /// The server had accepted it for every recipient, and the process ended before that
    /// outcome was committed (EndOfDataJournal::accept()).
    bool accepted = false;
    QString account; ///< its account's name
    /// The event of its latest history entry (Unknown when it has none).
    HistoryEvent lastEvent = HistoryEvent::Unknown;
};

/// What recoverInterrupted() does to one InterruptedMessage (decideInterrupted() decides it).
/// The message's last reply, error class and recipients stay as the last recorded attempt
/// left them, except for state `sent`: its recipients still queued become sent, its error
/// class none and its send time now, as an accepted outcome would have written them.
struct Recovery
{
    MessageState state = MessageState::Queued;
    QDateTime nextAttemptAt;   ///< when it is due again
    bool countAttempt = false; ///< the interrupted attempt counts as one
    bool uncertain = false;    ///< sets the message's uncertain flag (never clears it)
    /// The history entry to add (with uncertain and detail); none when nothing is worth saying.
    std::optional<HistoryEvent> event;
    QString detail; ///< the entry's detail
    /// State `sent`: its copy in the Sent folder becomes pending, as DeliveryUpdate::copyPending.
    bool copyPending = false;
};

/// What one write changed, for those who show the outbox (messageChanged / messagesReset).
struct OutboxChanges
{
    QList<qint64> ids;  ///< messages changed
    bool reset = false; ///< many changed at once (bulk operations): reread everything

    /// True when nothing changed.
    bool isEmpty() const { return ids.isEmpty() && !reset; }
    /// Adds `other`'s changes to these.
    void merge(const OutboxChanges &other)
    {
        ids += other.ids;
        reset = reset || other.reset;
    }
};

} // namespace outpost
