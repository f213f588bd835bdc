#pragma once

#include "AddressBook.h"
#include "OutboxReader.h"
#include "OutboxTypes.h"
#include "OutboxWriter.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

class QSqlDatabase;
class QThread;

namespace outpost {

class Clock;
class Database;
class MessageBlobReader;
class MessageSource;
class StorageWorker;

/// What a write job works with: the process's one write connection and the writers on it.
/// Valid only inside the job, on the thread that runs it.
struct StorageWriter
{
    Database &db;           ///< the write connection (accounts and settings rows)
    OutboxWriter &outbox;   ///< messages, recipients, history
    AddressBook &addresses; ///< the address book
};

/// The outbox database of one process (design.md §4), behind one interface:
///
/// - reads go to the read connection it is given, through reader() (whose signals say what
///   changed) and addressBook();
/// - every write is a job run with the write connection, in the order the jobs were handed
///   over; its result comes back to this object's thread, after the reader announced what
///   the job changed.
///
/// At first the write connection is the one it is given (synchronous: a job runs at once;
/// short CLI commands, tests). useWorkerThread() moves it to a thread of its own (the app,
/// `flush`, `daemon`): the storage thread then owns the process's only write connection, the
/// given one becomes read-only, and the thread that hands jobs over (the GUI's) never waits
/// for a transaction or a disk sync. Jobs must not touch anything of this thread.
///
/// New messages are written by group commit (enqueueAsync()): everything handed over in one
/// event-loop turn shares one transaction and one disk sync.
class Storage : public QObject
{
    Q_OBJECT
public:
    /// Reads and, until useWorkerThread(), writes on `db` (opened and migrated).
    Storage(Database *db, const Clock *clock, QObject *parent = nullptr);
    /// Writes the enqueueAsync() requests still waiting and every job handed over (their
    /// completions run if their receivers still exist), then closes the write connection.
    ~Storage() override;

    /// Moves the writing to a thread of its own ("outpost-storage") with its own connection,
    /// the only one of the process that writes; the given connection becomes read-only
    /// (`PRAGMA query_only`). `setup` runs on the new connection first (tests: a full disk).
    /// False with *error when the connection cannot be opened: the writes then stay on the
    /// given connection. Call before anything is handed over (or while nothing is pending).
    bool useWorkerThread(std::function<void(QSqlDatabase &)> setup = {}, QString *error = nullptr);
    /// True when writes run on the storage thread.
    bool hasWorkerThread() const { return m_thread != nullptr; }

    /// Reads on the read connection, and the signals of what the writes changed.
    OutboxReader *reader() { return &m_reader; }
    /// Completions from the read connection.
    const AddressBook *addressBook() const { return &m_addresses; }
    /// The read connection.
    Database *database() const { return m_db; }
    /// The octets of message `id` (`size` octets, ClaimedMessage::size), read in pieces on this
    /// thread through a read-only connection of its own (MessageBlobReader, opened at the
    /// first call; neither the read connection of reader() nor the write connection). When
    /// that connection cannot be opened, every read of the source fails with the reason.
    std::shared_ptr<MessageSource> messageSource(qint64 id, qint64 size);

    /// Hands `job` (callable as R job(StorageWriter &)) to the write connection; `done(R)` (or
    /// `done()` for void) runs afterwards in this thread, unless `context` was given and is
    /// gone by then. Without a worker thread both run before write() returns.
    template <typename Job, typename Done> void write(Job job, QObject *context, Done done);
    /// write() without a completion.
    template <typename Job> void write(Job job)
    {
        write(std::move(job), nullptr, [](auto &&...) {});
    }
    /// Runs `job` and returns its result, waiting for the storage thread when there is one (and
    /// for everything handed to it before). For short-lived processes, exit paths and tests:
    /// never from a thread that must not wait for the disk.
    template <typename Job> auto writeNow(Job job) -> std::invoke_result_t<Job &, StorageWriter &>;
    /// writeNow() of one OutboxWriter call: writeNow(&OutboxWriter::hold, id, &error).
    template <typename R, typename... Params, typename... Args>
    R writeNow(R (OutboxWriter::*call)(Params...), Args &&...args)
    {
        return writeNow([&](StorageWriter &w) { return (w.outbox.*call)(args...); });
    }
    /// Waits until every job handed over (and every enqueueAsync() request) is written and its
    /// completion ran, including jobs those completions handed over.
    void drain();
    /// Jobs handed over whose completion has not run yet.
    int pendingWrites() const { return m_pending; }

    /// Group commit: takes `message` to be stored and returns at once with a ticket (> 0,
    /// unique for this storage). Every request made before control returns to the event loop
    /// (or within groupCommitWindowMs() of the first one) is written in ONE transaction, so
    /// one disk sync (synchronous=FULL) serves the whole group. Afterwards, in request order,
    /// enqueued(ticket, id) tells each caller its message is durable (after the reader's
    /// messageChanged()); if the transaction cannot be written (full disk, I/O error, a message
    /// the database refuses) nothing of the group is stored and every request gets
    /// enqueueFailed(ticket, error). Never emits from inside this call. `remember` are
    /// addresses for the address book, written after the group once it is stored (a failure
    /// there is not reported).
    quint64 enqueueAsync(const NewMessage &message, const QStringList &remember = {});
    /// OutboxWriter::replaceDraft() as a request like enqueueAsync() (in the same order as the
    /// others, in a transaction of its own): enqueued(ticket, id) once draft `id` is replaced
    /// durably, or enqueueFailed(ticket, error) when it is refused (no longer a draft) or
    /// cannot be written.
    quint64 replaceDraftAsync(qint64 id, const NewMessage &message,
                              const QStringList &remember = {});
    /// Writes the waiting enqueueAsync() requests now (normally done by the event loop) and
    /// waits until they are written and announced. A group with more than maxGroupBytes() of
    /// message data is split into several transactions (each all or nothing). Returns how many
    /// messages were written.
    int commitEnqueues();
    /// Message data (bytes) after which a group commit continues in another transaction, so
    /// the write-ahead log stays bounded (default 32 MiB; a group always takes one message).
    void setMaxGroupBytes(qint64 bytes) { m_maxGroupBytes = std::max<qint64>(1, bytes); }
    /// Requests taken by enqueueAsync() / replaceDraftAsync() whose outcome is not known yet.
    int pendingEnqueues() const { return int(m_waiting.size()) + m_enqueuesWriting; }
    /// How long the first request of a group waits for others, in ms (default 0: only those
    /// made in the same event-loop turn share its transaction).
    void setGroupCommitWindowMs(int ms) { m_groupTimer.setInterval(std::max(0, ms)); }
    /// See setGroupCommitWindowMs().
    int groupCommitWindowMs() const { return m_groupTimer.interval(); }

signals:
    /// The message of enqueueAsync() `ticket` is stored durably as `id`.
    void enqueued(quint64 ticket, qint64 id);
    /// The message of enqueueAsync() `ticket` was not stored (`error` says why, e.g. "could not
    /// write the outbox: database or disk is full"); nothing of its group was written.
    void enqueueFailed(quint64 ticket, const QString &error);
    /// One group commit ended: `written` messages stored, or `failed` requests refused.
    void groupCommitted(int written, int failed);

private:
    /// What runs in this thread once a job is done.
    using Completion = std::function<void()>;
    /// A job as the worker runs it: the write, then what to do here afterwards.
    using PostedJob = std::function<Completion(StorageWriter &)>;

    /// Hands a job over (or runs it at once without a worker).
    void post(PostedJob job);
    /// In this thread, after a job: announces its changes, then runs its completion.
    void finish(const OutboxChanges &changes, const Completion &completion);
    /// Waits for the worker to run what it was handed, then runs the completions that came
    /// back. One round.
    void drainOnce();

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
    };
    quint64 request(PendingEnqueue p);
    /// Takes the next group off m_waiting: messages up to maxGroupBytes(), or one replace.
    QList<PendingEnqueue> takeGroup();
    static GroupResult writeGroup(StorageWriter &w, const QList<PendingEnqueue> &group);
    /// The group timer: hands every waiting request over, group by group.
    void startEnqueueCommit();
    /// Emits the signals of a written (or failed) group of `tickets`.
    void finishGroup(const QList<quint64> &tickets, const GroupResult &r);

    Database *m_db;
    const Clock *m_clock;
    OutboxReader m_reader;
    AddressBook m_addresses; // reads only: completions on the read connection
    // Without a worker: the writers on m_db, and what the running job changed.
    OutboxWriter m_inlineOutbox;
    AddressBook m_inlineAddresses;
    OutboxChanges m_inlineChanges;
    QThread *m_thread = nullptr;
    StorageWorker *m_worker = nullptr; // lives in m_thread
    int m_pending = 0;

    QList<PendingEnqueue> m_waiting;
    int m_enqueuesWriting = 0; // requests handed over, outcome not back yet
    int m_written = 0;         // messages written so far (for commitEnqueues())
    quint64 m_lastTicket = 0;
    qint64 m_maxGroupBytes = 32 * 1024 * 1024;
    QTimer m_groupTimer;
    std::shared_ptr<MessageBlobReader> m_blobs; // messageSource()'s connection
    QTimer m_blobTimer;                         // ends its read snapshot (closeIfStale())
};

template <typename Job, typename Done> void Storage::write(Job job, QObject *context, Done done)
{
    using R = std::invoke_result_t<Job &, StorageWriter &>;
    const QPointer<QObject> guard(context);
    const bool guarded = context != nullptr;
    post([job = std::move(job), done = std::move(done), guard,
          guarded](StorageWriter &w) mutable -> Completion {
        if constexpr (std::is_void_v<R>) {
            job(w);
            return [done, guard, guarded]() mutable {
                if (!guarded || guard)
                    done();
            };
        } else {
            auto result = std::make_shared<R>(job(w));
            return [result, done, guard, guarded]() mutable {
                if (!guarded || guard)
                    done(*result);
            };
        }
    });
}

template <typename Job>
auto Storage::writeNow(Job job) -> std::invoke_result_t<Job &, StorageWriter &>
{
    using R = std::invoke_result_t<Job &, StorageWriter &>;
    if constexpr (std::is_void_v<R>) {
        post([&job](StorageWriter &w) -> Completion {
            job(w);
            return {};
        });
        drainOnce();
    } else {
        std::optional<R> out;
        post([&job, &out](StorageWriter &w) -> Completion {
            out.emplace(job(w));
            return {};
        });
        drainOnce();
        return std::move(*out);
    }
}

} // namespace outpost
