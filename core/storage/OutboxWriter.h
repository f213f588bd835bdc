#pragma once

#include "DiskSpace.h"
#include "OutboxReader.h"
#include "OutboxTypes.h"

#include <QDateTime>
#include <QList>
#include <QSet>

#include <functional>

namespace outpost {

class Clock;
class Database;

/// Every write to the outbox's message tables (messages, message data, recipients, history),
/// on the one write connection it is given. Each change is one SQLite transaction: a failure
/// (full disk, I/O error) leaves nothing half-written and is reported as false with *error,
/// and lastError() tells its kind (a full disk with the free space left).
///
/// On a full disk the writes that make room or record what already happened — remove(),
/// cancel(), hold(), release(), retryNow(), applyUpdates() (outcomes of messages already
/// sent), recoverInterrupted() — release the data folder's reserve (DiskReserve) and try once
/// more; new messages (enqueue, replaceDraft) and claims never do.
/// After each change it made, it tells the notifier which messages changed (setNotifier()).
/// Used from one thread: the one that owns its connection.
class OutboxWriter
{
public:
    /// Writes on `db`, the write connection of the thread that uses it; times from `clock`.
    OutboxWriter(Database *db, const Clock *clock);

    /// Receives what each successful write changed (after its commit).
    void setNotifier(std::function<void(const OutboxChanges &)> notifier)
    {
        m_notifier = std::move(notifier);
    }

    /// Stores a new message with its recipients and a "queued" history entry. Returns the
    /// new id, or 0 with *error (also when its DSN request fails checkDsnRequest()).
    qint64 enqueue(const NewMessage &message, QString *error);
    /// Stores many messages in one transaction (all or none). Returns their ids.
    QList<qint64> enqueueMany(const QList<NewMessage> &messages, QString *error);
    /// Replaces the bytes, envelope and listing fields of draft `id` with `message` in one
    /// transaction, keeping its id, creation time and history (a new "edited" entry): the
    /// message is queued, scheduled, held or kept as a draft as `message.state` says, with
    /// its attempts, last reply and error cleared. Refuses anything that is not a draft.
    bool replaceDraft(qint64 id, const NewMessage &message, QString *error);

    /// Marks up to `limit` due messages (queued, next attempt and send time reached, account
    /// not in `skipAccounts`) as `sending` and returns them, oldest first, with their size and
    /// WireShape (scanned piece by piece here), never their octets; a message whose octets
    /// cannot be read is claimed with ClaimedMessage::readError. At most `maxBytes` octets of
    /// messages are claimed (but always one when any is due).
    QList<ClaimedMessage> claimDue(int limit, const QStringList &skipAccounts,
                                   qint64 maxBytes = -1);
    /// Applies an attempt's result.
    bool applyUpdate(const DeliveryUpdate &update, QString *error);
    /// Applies many results in one transaction (all or none; one disk sync instead of one per
    /// message). An outcome clears its message's end-of-data mark. False with *error when it
    /// could not be written.
    bool applyUpdates(const QList<DeliveryUpdate> &updates, QString *error);
    /// Claims up to `limit` copies for the Sent folder that are due (pending or failed, next
    /// attempt reached, account not in `skipAccounts`), with the submitted bytes, earliest
    /// first: each has its attempt counted and is leased for `leaseMs` (not claimed again
    /// before; a crash leaves it due after the lease, or at makeCopiesDue()). Empty on a
    /// failed write.
    QList<ClaimedCopy> claimDueCopies(int limit, const QStringList &skipAccounts, qint64 leaseMs);
    /// Records what copy attempts did, in one transaction (all or none), each with its history
    /// entry; a message whose copy is `none` (never due) is left alone. False with *error
    /// when it could not be written.
    bool applyCopyUpdates(const QList<CopyUpdate> &updates, QString *error);
    /// Adds `entry` to the history of message `id` alone (a note before an attempt, e.g. what
    /// the Sent folder said of a message that may have been sent); nothing else changes.
    void addNote(qint64 id, const HistoryEntry &entry);
    /// Makes every pending or failed copy due now (at start, "send queued now"). Returns how
    /// many.
    int makeCopiesDue();
    /// applyUpdates(), and markEndOfData() of `endOfData` in the same transaction, so that the
    /// marks share their disk sync with the outcomes of other messages.
    bool applyUpdatesAndMarks(const QList<DeliveryUpdate> &updates, const QList<qint64> &endOfData,
                              QString *error);
    /// Records durably that the end of the data of each message of `ids` (DATA's end marker,
    /// BDAT LAST, RFC 5321 §4.1.1.4, RFC 3030 §2) may now go on the wire: from here until its
    /// outcome is recorded, a crash leaves a message the server may have taken. Only messages
    /// still `sending` are marked (a mark that comes after the outcome changes nothing). False
    /// with *error when it could not be written.
    bool markEndOfData(const QList<qint64> &ids, QString *error);
    /// The rule recoverInterrupted() applies to each message (decideInterrupted()).
    using RecoveryRule = std::function<Recovery(const InterruptedMessage &)>;
    /// Messages left in `sending` (the process that sent them ended without recording the
    /// outcome) become what `rule` says, in one transaction: their state, schedule, attempts,
    /// uncertain flag and history; their end-of-data mark is cleared. A message in
    /// `journalMarks` (the end-of-data journal's marks, EndOfDataJournal::read()) counts as
    /// marked too, as if its `end_of_data_at` were set; one in `journalAccepted` (the journal's
    /// acceptances) was accepted by the server for every recipient (InterruptedMessage::
    /// accepted). A message the rule makes `sent` is written as an accepted outcome is: its
    /// recipients still queued sent, its send time now, its copy pending when the rule says.
    /// Returns how many (-1 when they could not be read; 0 with lastError() when they could
    /// not be written).
    int recoverInterrupted(const RecoveryRule &rule, const QSet<qint64> &journalMarks = {},
                           const QSet<qint64> &journalAccepted = {});
    /// Makes every queued message whose send time has come due now ("send queued now").
    int makeAllDue();

    /// User actions. Each returns false with *error when the message is not in a state
    /// that allows it (e.g. retry of a sent message).
    /// Sends the message at the next chance, also one scheduled for later (its schedule is
    /// dropped: *overriddenSendAt, when given, receives the time it was scheduled for,
    /// invalid when it was not scheduled in the future).
    bool retryNow(qint64 id, QString *error, QDateTime *overriddenSendAt = nullptr);
    /// Holds a queued message (or a draft) until released.
    bool hold(qint64 id, QString *error);
    /// Queues a held message again; one scheduled for later (sendAt) still waits for its time.
    bool release(qint64 id, QString *error);
    /// Deletes a message and its history (the Delete action); refuses one being sent.
    bool remove(qint64 id, QString *error);
    /// `outpost cancel`: withdraws a message not sent yet. Refuses (false, *error) a message
    /// that is `sent` or being sent. One that no recipient got yet is deleted (design.md §4
    /// has no cancelled state); one some recipients already got (a retry for the others was
    /// queued) is kept as a record: `failed`, its unsent recipients failed, "cancelled by the
    /// user" in its history. *deleted tells which.
    bool cancel(qint64 id, bool *deleted, QString *error);
    /// "Edit (back to draft)": takes a queued, held or failed message (or a draft) out of
    /// sending in one transaction — it becomes a `draft` the dispatcher never claims — and
    /// notes it in the history. Refuses (false, *error) a message being sent right now, a
    /// sent one, or an unknown id.
    bool takeBackToDraft(qint64 id, QString *error);

    /// Retention (`retention.sent_days`): drops the bytes of up to `limit` sent messages that
    /// were sent before `sentBefore` and still have them, oldest first, in one transaction:
    /// their message_data rows go, `bytes_dropped_at` is set, and a "content-dropped" history
    /// entry (detail: `days`) is added; record, recipients and history stay. Returns how many,
    /// -1 with *error when it could not be written (nothing changed then).
    int dropSentContent(const QDateTime &sentBefore, int days, int limit, QString *error);
    /// `outpost purge`: deletes whole messages (record, recipients, history, bytes) that
    /// `filter` selects — only `sent` and `failed` ones, never queued, held, being sent or
    /// drafts — oldest first, at most `limit` of them (-1: all) in one transaction. With
    /// `dryRun` nothing changes and the messages it would remove are returned. Returns what it
    /// removed; *error is set (and nothing changed) when it could not be written.
    QList<PurgedMessage> purge(const PurgeFilter &filter, int limit, bool dryRun, QString *error);
    /// The window's Delete for a finished message: deletes a `sent` or `failed` message
    /// wholly (record and history too). Refuses (false, *error) any other state: a message
    /// not sent yet is withdrawn by cancel() instead.
    bool removeFinished(qint64 id, QString *error);

    /// Fails every queued or held message of `account` (class local, `detail`, event
    /// FailedAccountRemoved) in one transaction, when the account is removed. Returns how many,
    /// -1 on failure.
    int failAccount(const QString &account, const QString &detail);
    /// Holds every queued message of an account (account paused) with `errorClass`, returns count.
    int holdAccount(const QString &account, ErrorClass errorClass, const SmtpReply &reply,
                    const QString &detail);
    /// Releases every message held because its account was paused (scheduled ones keep their
    /// time); returns count.
    int releaseAccount(const QString &account);

    /// The connection this writer writes.
    Database *database() const { return m_db; }
    /// Why the last write that failed failed (a StorageError of kind None after one that
    /// succeeded; claimDue() and recoverInterrupted() report a failure only here).
    const StorageError &lastError() const { return m_lastError; }
    /// How often a write has released the reserve so far (it then told the user the disk is
    /// full through its caller).
    int reserveReleases() const { return m_reserveReleases; }

private:
    /// Records `failure` as the reason the running write failed (lastError()) and sets
    /// *error (when given) to `prefix` + SQLite's words. Returns false.
    bool failed(QString *error, const QSqlError &failure, const QString &prefix = {});
    /// Runs `write` (one transaction, true when committed); when it failed for want of room
    /// and the reserve could be released, runs it once more.
    bool withReserve(const std::function<bool()> &write);
    bool writeUpdates(const QList<DeliveryUpdate> &updates, const QList<qint64> &endOfData,
                      QString *error);
    /// cancel() of a message some recipients already got: kept as failed.
    bool cancelKept(qint64 id, qint64 now, QString *error);
    void addHistory(qint64 id, const HistoryEntry &h);
    void notify(qint64 id);
    void notify(const QList<qint64> &ids);
    void notifyReset();

    Database *m_db;
    const Clock *m_clock;
    OutboxReader m_reader; // reads on the same connection, inside the writes' transactions
    std::function<void(const OutboxChanges &)> m_notifier;
    StorageError m_lastError;
    int m_reserveReleases = 0;
};

} // namespace outpost
