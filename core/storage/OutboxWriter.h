#pragma once

#include "OutboxReader.h"
#include "OutboxTypes.h"

#include <QDateTime>
#include <QList>

#include <functional>

namespace outpost {

class Clock;
class Database;

/// Every write to the outbox's message tables (messages, message data, recipients, history),
/// on the one write connection it is given. Each change is one SQLite transaction: a failure
/// (full disk, I/O error) leaves nothing half-written and is reported as false with *error.
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
    /// not in `skipAccounts`) as `sending` and returns them with their bytes, oldest first.
    /// At most `maxBytes` octets of messages are claimed (but always one when any is due).
    QList<ClaimedMessage> claimDue(int limit, const QStringList &skipAccounts,
                                   qint64 maxBytes = -1);
    /// Applies an attempt's result.
    bool applyUpdate(const DeliveryUpdate &update, QString *error);
    /// Applies many results in one transaction (all or none; one disk sync instead of one per
    /// message). False with *error when it could not be written.
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
    /// Makes every pending or failed copy due now (at start, "send queued now"). Returns how
    /// many.
    int makeCopiesDue();
    /// Messages left in `sending` (a crash) go back to `queued` with a "recovered" note.
    /// Returns how many.
    int recoverInterrupted();
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

private:
    void addHistory(qint64 id, const HistoryEntry &h);
    void notify(qint64 id);
    void notify(const QList<qint64> &ids);
    void notifyReset();

    Database *m_db;
    const Clock *m_clock;
    OutboxReader m_reader; // reads on the same connection, inside the writes' transactions
    std::function<void(const OutboxChanges &)> m_notifier;
};

} // namespace outpost
