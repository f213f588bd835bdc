#include "Storage.h"

#include "MessageBlob.h"

#include "Database.h"
#include "outbox/Clock.h"

#include <QCoreApplication>
#include <QSqlQuery>
#include <QThread>

namespace outpost {

/// The storage thread's side: the write connection and the writers on it, opened and closed
/// in that thread (a SQLite connection stays in the thread that opened it).
class StorageWorker : public QObject
{
public:
    explicit StorageWorker(const Clock *clock)
        : m_clock(clock)
    {}

    /// Opens the write connection to `path` (an outbox open() checked and migrated).
    bool open(const QString &path, const std::function<void(QSqlDatabase &)> &setup, QString *error)
    {
        m_db = std::make_unique<Database>();
        if (!m_db->openConnection(path, error)) {
            m_db.reset();
            return false;
        }
        if (setup)
            setup(m_db->db());
        m_outbox = std::make_unique<OutboxWriter>(m_db.get(), m_clock);
        m_outbox->setNotifier([this](const OutboxChanges &c) { m_changes.merge(c); });
        m_addresses = std::make_unique<AddressBook>(m_db.get(), m_clock);
        return true;
    }
    void close()
    {
        m_addresses.reset();
        m_outbox.reset();
        m_db.reset();
    }
    StorageWriter writer() { return StorageWriter{*m_db, *m_outbox, *m_addresses}; }
    /// What the jobs changed since the last call.
    OutboxChanges takeChanges() { return std::exchange(m_changes, {}); }

private:
    const Clock *m_clock;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<OutboxWriter> m_outbox;
    std::unique_ptr<AddressBook> m_addresses;
    OutboxChanges m_changes;
};

Storage::Storage(Database *db, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
    , m_reader(db, clock)
    , m_addresses(db, clock)
    , m_inlineOutbox(db, clock)
    , m_inlineAddresses(db, clock)
{
    m_inlineOutbox.setNotifier([this](const OutboxChanges &c) { m_inlineChanges.merge(c); });
    m_groupTimer.setSingleShot(true);
    m_groupTimer.setInterval(0);
    connect(&m_groupTimer, &QTimer::timeout, this, &Storage::startEnqueueCommit);
    // While messages are being read, their WAL snapshot is ended at least once a second.
    m_blobTimer.setSingleShot(true);
    m_blobTimer.setInterval(1000);
    connect(&m_blobTimer, &QTimer::timeout, this, [this] {
        if (m_blobs && m_blobs->closeIfStale())
            m_blobTimer.start();
    });
}

Storage::~Storage()
{
    // Nothing handed over is dropped: the waiting messages are written, and the completions
    // still run (for receivers that exist).
    if (m_db->isOpen() || m_worker)
        drain();
    if (m_worker) {
        QMetaObject::invokeMethod(
            m_worker, [w = m_worker] { w->close(); }, Qt::BlockingQueuedConnection);
        m_thread->quit();
        m_thread->wait();
        delete m_worker;
        delete m_thread;
    }
}

bool Storage::useWorkerThread(std::function<void(QSqlDatabase &)> setup, QString *error)
{
    if (m_worker)
        return true;
    drain();
    auto *thread = new QThread;
    thread->setObjectName(QStringLiteral("outpost-storage"));
    auto *worker = new StorageWorker(m_clock);
    worker->moveToThread(thread);
    thread->start();
    bool opened = false;
    QString why;
    const QString path = m_db->path();
    // Waits once, when the app starts: the thread opens its connection before any job.
    QMetaObject::invokeMethod(
        worker, [&] { opened = worker->open(path, setup, &why); }, Qt::BlockingQueuedConnection);
    if (!opened) {
        qWarning("outpost: the storage thread cannot open the outbox (%s): writing on the "
                 "connection of this thread",
                 qPrintable(why));
        if (error)
            *error = why;
        thread->quit();
        thread->wait();
        delete worker;
        delete thread;
        return false;
    }
    m_thread = thread;
    m_worker = worker;
    // From now on nothing writes through the read connection: the storage thread's is the
    // only one.
    QSqlQuery(m_db->db()).exec(QStringLiteral("PRAGMA query_only = ON"));
    return true;
}

void Storage::post(PostedJob job)
{
    ++m_pending;
    if (!m_worker) {
        StorageWriter w{*m_db, m_inlineOutbox, m_inlineAddresses};
        const Completion done = job(w);
        job = nullptr;
        finish(std::exchange(m_inlineChanges, {}), done);
        return;
    }
    QMetaObject::invokeMethod(
        m_worker,
        [this, w = m_worker, job = std::move(job)]() mutable {
            StorageWriter writer = w->writer();
            const Completion done = job(writer);
            // What the job holds (message bytes) is freed here, by the thread that wrote it:
            // a free of another thread's memory waits for that thread's malloc arena.
            job = nullptr;
            const OutboxChanges changes = w->takeChanges();
            QMetaObject::invokeMethod(
                this, [this, changes, done] { finish(changes, done); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void Storage::finish(const OutboxChanges &changes, const Completion &completion)
{
    --m_pending;
    m_reader.announce(changes);
    if (completion)
        completion();
}

void Storage::drainOnce()
{
    if (!m_worker)
        return;
    // The worker runs what it is handed in order: once this no-op ran, everything before it
    // did, and their completions are posted to this object.
    QMetaObject::invokeMethod(
        m_worker, [] {}, Qt::BlockingQueuedConnection);
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void Storage::drain()
{
    // A completion may hand over more (a claim that finds Outpost quitting queues its messages
    // again): wait for those too, within reason.
    for (int round = 0; round < 100; ++round) {
        if (!m_waiting.isEmpty())
            startEnqueueCommit();
        if (m_pending == 0)
            return;
        drainOnce();
    }
    qWarning("outpost: %d writes still pending after waiting for the storage thread", m_pending);
}

quint64 Storage::request(PendingEnqueue p)
{
    p.ticket = ++m_lastTicket;
    m_waiting.append(std::move(p));
    if (!m_groupTimer.isActive())
        m_groupTimer.start();
    return m_lastTicket;
}

quint64 Storage::enqueueAsync(const NewMessage &message, const QStringList &remember)
{
    return request(PendingEnqueue{0, message, 0, remember});
}

quint64 Storage::replaceDraftAsync(qint64 id, const NewMessage &message,
                                   const QStringList &remember)
{
    return request(PendingEnqueue{0, message, id, remember});
}

QList<Storage::PendingEnqueue> Storage::takeGroup()
{
    // One transaction per group of about maxGroupBytes of message data (always at least one
    // message); a replace is a group of its own. Taken from the queue first: a receiver of
    // the signals may make a request again (a later group).
    qsizetype n = 0;
    qint64 bytes = 0;
    if (!m_waiting.isEmpty() && m_waiting.first().replaces) {
        n = 1;
    } else {
        while (n < m_waiting.size() && !m_waiting[n].replaces &&
               (n == 0 || bytes < m_maxGroupBytes))
            bytes += m_waiting[n++].message.data.size();
    }
    const QList<PendingEnqueue> group = m_waiting.first(n);
    m_waiting.remove(0, n);
    return group;
}

Storage::GroupResult Storage::writeGroup(StorageWriter &w, const QList<PendingEnqueue> &group)
{
    GroupResult r;
    if (group.size() == 1 && group.first().replaces) {
        const PendingEnqueue &p = group.first();
        if (w.outbox.replaceDraft(p.replaces, p.message, &r.error))
            r.ids << p.replaces;
    } else {
        QList<NewMessage> messages;
        messages.reserve(group.size());
        for (const PendingEnqueue &p : group)
            messages.append(p.message);
        r.ids = w.outbox.enqueueMany(messages, &r.error);
        if (r.ids.size() != group.size()) {
            r.ids.clear();
            if (r.error.isEmpty())
                r.error = QStringLiteral("could not write the outbox");
            else if (!r.error.startsWith(QLatin1String("could not write")))
                r.error = QStringLiteral("could not write the outbox: %1").arg(r.error);
        }
    }
    if (!r.ids.isEmpty()) {
        QStringList remember;
        for (const PendingEnqueue &p : group)
            remember << p.remember;
        if (!remember.isEmpty())
            w.addresses.remember(remember);
    }
    return r;
}

void Storage::startEnqueueCommit()
{
    m_groupTimer.stop();
    while (!m_waiting.isEmpty()) {
        QList<PendingEnqueue> group = takeGroup();
        QList<quint64> tickets;
        tickets.reserve(group.size());
        for (const PendingEnqueue &p : std::as_const(group))
            tickets << p.ticket;
        m_enqueuesWriting += int(group.size());
        post([this, group = std::move(group), tickets](StorageWriter &w) -> Completion {
            const GroupResult r = writeGroup(w, group);
            return [this, tickets, r] {
                finishGroup(tickets, r);
            };
        });
    }
}

void Storage::finishGroup(const QList<quint64> &tickets, const GroupResult &r)
{
    m_enqueuesWriting -= int(tickets.size());
    if (r.ids.size() != tickets.size()) {
        const QString error =
            r.error.isEmpty() ? QStringLiteral("could not write the outbox") : r.error;
        for (quint64 t : tickets)
            emit enqueueFailed(t, error);
        emit groupCommitted(0, int(tickets.size()));
        return;
    }
    m_written += int(tickets.size());
    for (qsizetype i = 0; i < tickets.size(); ++i)
        emit enqueued(tickets[i], r.ids[i]);
    emit groupCommitted(int(tickets.size()), 0);
}

int Storage::commitEnqueues()
{
    const int before = m_written;
    startEnqueueCommit();
    drain();
    return m_written - before;
}

std::shared_ptr<MessageSource> Storage::messageSource(qint64 id, qint64 size)
{
    QString error;
    if (!m_blobs)
        m_blobs = openMessageBlobReader(m_db->path(), &error);
    if (!m_blobTimer.isActive())
        m_blobTimer.start();
    return std::make_shared<StoredMessageSource>(
        m_blobs, id, size, QStringLiteral("cannot open the outbox for reading: %1").arg(error));
}

} // namespace outpost
