#pragma once

#include "storage/AddressBook.h"
#include "storage/OutboxReader.h"
#include "storage/OutboxTypes.h"
#include "storage/OutboxWriter.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

class QSqlDatabase;
class QThread;

namespace outpost {

class Clock;
class Database;
class ThreadStore;

/// The durable outbox (design.md §4) on the outbox Database. Every change is one SQLite
/// transaction: a failure (full disk, I/O error) leaves nothing half-written and is
/// reported as false with *error. Emits messageChanged() after each change it makes.
class OutboxStore : public QObject
{
    Q_OBJECT
public:
    OutboxStore(Database *db, const Clock *clock, QObject *parent = nullptr);
    /// Writes any enqueueAsync() requests still waiting (their signals go to receivers that
    /// still exist), so nothing handed to the store is dropped.
    ~OutboxStore() override;

    /// Stores a new message with its recipients and a "queued" history entry. Returns the
    /// new id, or 0 with *error (also when its DSN request fails checkDsnRequest()).
    qint64 enqueue(const NewMessage &message, QString *error);
    /// Stores many messages in one transaction (all or none). Returns their ids.
    QList<qint64> enqueueMany(const QList<NewMessage> &messages, QString *error);

    /// Group commit: takes `message` to be stored and returns at once with a ticket (> 0,
    /// unique for this store). Every request made before control returns to the event loop
    /// (or within groupCommitWindowMs() of the first one) is written in ONE transaction, so
    /// one disk sync (synchronous=FULL) serves the whole group. Afterwards, in request order,
    /// enqueued(ticket, id) tells each caller its message is durable; if the transaction
    /// cannot be written (full disk, I/O error, a message the database refuses) nothing of the
    /// group is stored and every request gets enqueueFailed(ticket, error). Never emits
    /// from inside this call. Same thread as the store. `remember` are addresses for
    /// rememberAddresses(), written after the group once it is stored (completion only: a
    /// failure there is not reported). With useWriterThread() the writing happens on that
    /// thread; the signals still come in this one.
    quint64 enqueueAsync(const NewMessage &message, const QStringList &remember = {});
    /// replaceDraft() as a request like enqueueAsync() (in the same order as the others, in a
    /// transaction of its own): enqueued(ticket, id) once draft `id` is replaced durably, or
    /// enqueueFailed(ticket, error) when it is refused (no longer a draft) or cannot be written.
    quint64 replaceDraftAsync(qint64 id, const NewMessage &message,
                              const QStringList &remember = {});
    /// Moves the writing of enqueueAsync() / replaceDraftAsync() requests to a thread of its
    /// own with its own connection to the outbox, so the thread that makes them (the GUI's in
    /// the app) never waits for a transaction or a disk sync. The thread starts at
    /// the first request; its connection opens there (when it cannot, this store writes the
    /// group itself). Signals still come in this thread, in request order, and messageChanged()
    /// for a written message comes before its enqueued(). `setup` runs on the writer's
    /// connection when it opens (tests: `PRAGMA max_page_count` to simulate a full disk). May
    /// be called again, before the first request, to change `setup`.
    void useWriterThread(std::function<void(QSqlDatabase &)> setup = {});
    /// Writes the waiting enqueueAsync() requests now (normally done by the event loop) and
    /// emits their signals; with the writer thread, waits until it has written them and every
    /// request handed to it before. A group with more than maxGroupBytes() of message data is
    /// split into several transactions (each all or nothing). Returns how many messages were
    /// written.
    int commitEnqueues();
    /// Message data (bytes) after which a group commit continues in another transaction, so
    /// the write-ahead log stays bounded (default 32 MiB; a group always takes one message).
    void setMaxGroupBytes(qint64 bytes) { m_maxGroupBytes = std::max<qint64>(1, bytes); }
    /// Requests taken by enqueueAsync() / replaceDraftAsync() whose outcome is not known yet
    /// (waiting, or being written by the writer thread).
    int pendingEnqueues() const { return int(m_pending.size()) + m_writing; }
    /// How long the first request of a group waits for others, in ms (default 0: only those
    /// made in the same event-loop turn share its transaction).
    void setGroupCommitWindowMs(int ms) { m_groupTimer.setInterval(std::max(0, ms)); }
    int groupCommitWindowMs() const { return m_groupTimer.interval(); }

    /// Everything stored about message `id` but its bytes; nullopt when there is no such
    /// message or a read failed (then *failure, when given, says why; detail empty otherwise).
    std::optional<MessageRecord> message(qint64 id, ReadFailure *failure = nullptr) const;
    /// The stored RFC 5322 bytes; empty when there is no such message.
    QByteArray messageData(qint64 id) const;
    /// Summaries, newest first, optionally of one state; `limit` < 0 = all.
    QList<MessageSummary> list(std::optional<MessageState> state = std::nullopt, int limit = -1,
                               int offset = 0) const;
    /// Calls `visit` with each summary in list()'s order (newest first), optionally of one
    /// state, without holding them all in memory; stops early when `visit` returns false.
    /// One query over the messages table only (no recipients, history or message bytes).
    /// False when the read failed, before or after some messages were visited (e.g. a damaged
    /// page: *failure, when given, says so), never a silently short list.
    bool forEachSummary(std::optional<MessageState> state,
                        const std::function<bool(const MessageSummary &)> &visit,
                        ReadFailure *failure = nullptr) const;
    /// Ids in the order list() uses (for lazy models).
    QList<qint64> ids(std::optional<MessageState> state = std::nullopt) const;
    /// One page of ids, newest first, for models that load as the user scrolls: at most
    /// `limit` ids lower than `beforeId` (0 = from the newest), of the given states (empty =
    /// every state). Uses the primary key only, so each page costs the same however deep.
    QList<qint64> idsPage(const QList<MessageState> &states, qint64 beforeId, int limit) const;
    /// Summary of one message (for lazy models).
    std::optional<MessageSummary> summary(qint64 id) const;
    /// The states of the messages `ids` (those that no longer exist are left out): one query
    /// per run of close ids (gaps up to 64), so ids far apart do not read all between them.
    QHash<qint64, MessageState> states(const QList<qint64> &ids) const;
    /// Ids of the queued messages whose send time has come (none scheduled later), oldest first.
    QList<qint64> dueIds() const;
    /// Number of messages, optionally of one state.
    int count(std::optional<MessageState> state = std::nullopt) const;

    /// Marks up to `limit` due messages (queued, next attempt and send time reached, account
    /// not in `pausedAccounts`) as `sending` and returns them, oldest first.
    /// At most `maxBytes` octets of messages are claimed (but always one when any is due).
    QList<ClaimedMessage> claimDue(int limit, const QStringList &skipAccounts,
                                   qint64 maxBytes = -1);
    /// The earliest time a queued message becomes due (ms since epoch), or -1 when none.
    qint64 nextDueMs(const QStringList &skipAccounts) const;
    /// Applies an attempt's result.
    bool applyUpdate(const DeliveryUpdate &update, QString *error);
    /// Applies many results in one transaction (all or none; one disk sync instead of one per
    /// message). False with *error when it could not be written.
    bool applyUpdates(const QList<DeliveryUpdate> &updates, QString *error);
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
    /// Messages of `account` not sent yet (queued, sending, held), e.g. before removing it.
    int unsentCount(const QString &account) const;
    /// Fails every queued or held message of `account` (class local, `detail`, event
    /// FailedAccountRemoved) in one transaction, when the account is removed. Returns how many,
    /// -1 on failure.
    int failAccount(const QString &account, const QString &detail);
    /// Accounts named by queued or held messages that are not in `existing` (removed accounts).
    QStringList orphanAccounts(const QStringList &existing) const;
    /// "Edit (back to draft)": takes a queued, held or failed message (or a draft) out of
    /// sending in one transaction — it becomes a `draft` the dispatcher never claims — and
    /// notes it in the history. Refuses (false, *error) a message being sent right now, a
    /// sent one, or an unknown id.
    bool takeBackToDraft(qint64 id, QString *error);
    /// Replaces the bytes, envelope and listing fields of draft `id` with `message` in one
    /// transaction, keeping its id, creation time and history (a new "edited" entry): the
    /// message is queued, scheduled, held or kept as a draft as `message.state` says, with
    /// its attempts, last reply and error cleared. Refuses anything that is not a draft.
    bool replaceDraft(qint64 id, const NewMessage &message, QString *error);
    /// Holds every queued message of an account (account paused) with `errorClass`, returns count.
    int holdAccount(const QString &account, ErrorClass errorClass, const SmtpReply &reply,
                    const QString &detail);
    /// Releases every message held because its account was paused (scheduled ones keep their
    /// time); returns count.
    int releaseAccount(const QString &account);

    /// Remembers addresses for completion in the compose window.
    void rememberAddresses(const QStringList &addresses);
    /// Addresses used before that start with `prefix` (case-insensitive), most used first.
    QStringList addressCompletions(const QString &prefix, int limit = 20) const;

    /// The database this store works on.
    Database *database() const { return m_db; }
    /// Emits messageChanged() for each of `ids`: for changes written through another
    /// connection (the dispatcher's worker thread).
    void notifyChanged(const QList<qint64> &ids);

signals:
    /// The message of enqueueAsync() `ticket` is stored durably as `id`.
    void enqueued(quint64 ticket, qint64 id);
    /// The message of enqueueAsync() `ticket` was not stored (`error` says why, e.g. "could not
    /// write the outbox: database or disk is full"); nothing of its group was written.
    void enqueueFailed(quint64 ticket, const QString &error);
    /// One group commit ended: `written` messages stored, or `failed` requests refused.
    void groupCommitted(int written, int failed);
    void messageChanged(qint64 id);
    /// Many messages changed at once (bulk operations).
    void messagesReset();

private:
    struct PendingEnqueue
    {
        quint64 ticket = 0;
        NewMessage message;
        qint64 replaces = 0; ///< replaceDraftAsync(): the draft replaced
        QStringList remember;
    };
    /// What writing one group came to.
    struct GroupResult
    {
        QList<qint64> ids; ///< one per request when written
        QString error;
        bool noConnection = false; ///< the writer thread could not open the outbox
    };
    /// Takes the next group off m_pending: messages up to maxGroupBytes(), or one replace.
    QList<PendingEnqueue> takeGroup();
    /// Writes `group` on `store`'s connection (this store's, or the writer thread's).
    static GroupResult writeGroup(OutboxStore *store, const QList<PendingEnqueue> &group);
    /// Emits the signals of a written (or failed) group; `notify`: messageChanged() too (the
    /// writer thread wrote it).
    void finishGroup(const QList<PendingEnqueue> &group, const GroupResult &r, bool notify);
    /// The group timer: hands the waiting requests to the writer, or writes them here.
    void startCommit();
    void sendToWriter();
    void onWritten(const QList<PendingEnqueue> &group, const GroupResult &r);
    void waitForWriter();
    quint64 request(PendingEnqueue p);

    Database *m_db;
    const Clock *m_clock;
    QList<PendingEnqueue> m_pending;
    int m_writing = 0; // requests handed to the writer thread, outcome not back yet
    int m_written = 0; // messages written so far (for commitEnqueues())
    bool m_useWriter = false;
    std::function<void(QSqlDatabase &)> m_workerSetup;
    OutboxReader m_reader;
    OutboxWriter m_writer;
    AddressBook m_addresses;
    QThread *m_workerThread = nullptr;
    ThreadStore *m_worker = nullptr; // lives in m_workerThread
    quint64 m_lastTicket = 0;
    qint64 m_maxGroupBytes = 32 * 1024 * 1024;
    QTimer m_groupTimer;
};

} // namespace outpost
