#include "OutboxStore.h"
#include "ThreadStore.h"

#include "Clock.h"
#include "storage/Database.h"

#include <QCoreApplication>
#include <QThread>

#include <algorithm>
#include <utility>

namespace outpost {

OutboxStore::OutboxStore(Database *db, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
    , m_reader(db, clock)
    , m_writer(db, clock)
    , m_addresses(db, clock)
{
    m_writer.setNotifier([this](const OutboxChanges &c) {
        if (c.reset)
            emit messagesReset();
        for (qint64 id : c.ids)
            emit messageChanged(id);
    });
    m_groupTimer.setSingleShot(true);
    m_groupTimer.setInterval(0);
    connect(&m_groupTimer, &QTimer::timeout, this, &OutboxStore::startCommit);
}

OutboxStore::~OutboxStore()
{
    if ((!m_pending.isEmpty() || m_writing > 0) && m_db->isOpen())
        commitEnqueues();
    if (m_worker) {
        QMetaObject::invokeMethod(
            m_worker, [w = m_worker] { w->close(); }, Qt::BlockingQueuedConnection);
        m_workerThread->quit();
        m_workerThread->wait();
        delete m_worker;
        delete m_workerThread;
    }
}

void OutboxStore::useWriterThread(std::function<void(QSqlDatabase &)> setup)
{
    if (m_worker || !m_db)
        return;
    m_useWriter = true;
    m_workerSetup = std::move(setup);
}

quint64 OutboxStore::request(PendingEnqueue p)
{
    p.ticket = ++m_lastTicket;
    m_pending.append(std::move(p));
    if (!m_groupTimer.isActive())
        m_groupTimer.start();
    return m_lastTicket;
}

quint64 OutboxStore::enqueueAsync(const NewMessage &message, const QStringList &remember)
{
    return request(PendingEnqueue{0, message, 0, remember});
}

quint64 OutboxStore::replaceDraftAsync(qint64 id, const NewMessage &message,
                                       const QStringList &remember)
{
    return request(PendingEnqueue{0, message, id, remember});
}

QList<OutboxStore::PendingEnqueue> OutboxStore::takeGroup()
{
    // One transaction per group of about maxGroupBytes of message data (always at least one
    // message); a replace is a group of its own. Taken from the queue first: a receiver of
    // the signals may make a request again (a later group).
    qsizetype n = 0;
    qint64 bytes = 0;
    if (!m_pending.isEmpty() && m_pending.first().replaces) {
        n = 1;
    } else {
        while (n < m_pending.size() && !m_pending[n].replaces &&
               (n == 0 || bytes < m_maxGroupBytes))
            bytes += m_pending[n++].message.data.size();
    }
    const QList<PendingEnqueue> group = m_pending.first(n);
    m_pending.remove(0, n);
    return group;
}

OutboxStore::GroupResult OutboxStore::writeGroup(OutboxStore *store,
                                                 const QList<PendingEnqueue> &group)
{
    GroupResult r;
    if (group.size() == 1 && group.first().replaces) {
        const PendingEnqueue &p = group.first();
        if (store->replaceDraft(p.replaces, p.message, &r.error))
            r.ids << p.replaces;
    } else {
        QList<NewMessage> messages;
        messages.reserve(group.size());
        for (const PendingEnqueue &p : group)
            messages.append(p.message);
        r.ids = store->enqueueMany(messages, &r.error);
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
            store->rememberAddresses(remember);
    }
    return r;
}

void OutboxStore::finishGroup(const QList<PendingEnqueue> &group, const GroupResult &r, bool notify)
{
    if (r.ids.size() != group.size()) {
        const QString error =
            r.error.isEmpty() ? QStringLiteral("could not write the outbox") : r.error;
        for (const PendingEnqueue &p : group)
            emit enqueueFailed(p.ticket, error);
        emit groupCommitted(0, int(group.size()));
        return;
    }
    if (notify) {
        for (qint64 id : r.ids)
            emit messageChanged(id);
    }
    m_written += int(group.size());
    for (qsizetype i = 0; i < group.size(); ++i)
        emit enqueued(group[i].ticket, r.ids[i]);
    emit groupCommitted(int(group.size()), 0);
}

void OutboxStore::startCommit()
{
    m_groupTimer.stop();
    if (m_useWriter)
        sendToWriter();
    else
        commitEnqueues();
}

void OutboxStore::sendToWriter()
{
    if (!m_worker) {
        m_workerThread = new QThread;
        m_workerThread->setObjectName(QStringLiteral("outpost-enqueue"));
        m_worker = new ThreadStore(m_db->path(), m_clock, m_workerSetup);
        m_worker->moveToThread(m_workerThread);
        m_workerThread->start();
    }
    while (!m_pending.isEmpty()) {
        const QList<PendingEnqueue> group = takeGroup();
        m_writing += int(group.size());
        QMetaObject::invokeMethod(
            m_worker,
            [w = m_worker, this, group] {
                GroupResult r;
                OutboxStore *store = w->store(&r.error);
                if (store)
                    r = writeGroup(store, group);
                else
                    r.noConnection = true;
                // The messages go back only when that thread has to write them: otherwise
                // their bytes are freed here, not by the thread that asked (a free of another
                // thread's memory waits for that thread's malloc arena: up to a preemption).
                QList<PendingEnqueue> back;
                if (r.noConnection) {
                    back = group;
                } else {
                    back.reserve(group.size());
                    for (const PendingEnqueue &p : group)
                        back.append(PendingEnqueue{p.ticket, {}, p.replaces, {}});
                }
                QMetaObject::invokeMethod(
                    this, [this, back, r] { onWritten(back, r); }, Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }
}

void OutboxStore::onWritten(const QList<PendingEnqueue> &group, const GroupResult &r)
{
    m_writing -= int(group.size());
    if (r.noConnection) {
        qWarning("outpost: the enqueue thread cannot open the outbox (%s): written here",
                 qPrintable(r.error));
        finishGroup(group, writeGroup(this, group), false);
        return;
    }
    finishGroup(group, r, true);
}

void OutboxStore::waitForWriter()
{
    if (!m_worker)
        return;
    // The writer runs what it is handed in order: once this no-op ran, everything before it
    // did, and its results are posted to this thread.
    QMetaObject::invokeMethod(
        m_worker, [] {}, Qt::BlockingQueuedConnection);
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

int OutboxStore::commitEnqueues()
{
    m_groupTimer.stop();
    const int before = m_written;
    if (m_useWriter) {
        sendToWriter();
        waitForWriter();
        return m_written - before;
    }
    while (!m_pending.isEmpty()) {
        const QList<PendingEnqueue> group = takeGroup();
        finishGroup(group, writeGroup(this, group), false);
    }
    return m_written - before;
}

qint64 OutboxStore::enqueue(const NewMessage &message, QString *error)
{
    return m_writer.enqueue(message, error);
}

QList<qint64> OutboxStore::enqueueMany(const QList<NewMessage> &messages, QString *error)
{
    return m_writer.enqueueMany(messages, error);
}

QList<ClaimedMessage> OutboxStore::claimDue(int limit, const QStringList &skipAccounts,
                                            qint64 maxBytes)
{
    return m_writer.claimDue(limit, skipAccounts, maxBytes);
}

bool OutboxStore::applyUpdate(const DeliveryUpdate &update, QString *error)
{
    return m_writer.applyUpdate(update, error);
}

bool OutboxStore::applyUpdates(const QList<DeliveryUpdate> &updates, QString *error)
{
    return m_writer.applyUpdates(updates, error);
}

int OutboxStore::recoverInterrupted()
{
    return m_writer.recoverInterrupted();
}

int OutboxStore::makeAllDue()
{
    return m_writer.makeAllDue();
}

bool OutboxStore::retryNow(qint64 id, QString *error, QDateTime *overriddenSendAt)
{
    return m_writer.retryNow(id, error, overriddenSendAt);
}

bool OutboxStore::hold(qint64 id, QString *error)
{
    return m_writer.hold(id, error);
}

bool OutboxStore::release(qint64 id, QString *error)
{
    return m_writer.release(id, error);
}

bool OutboxStore::remove(qint64 id, QString *error)
{
    return m_writer.remove(id, error);
}

bool OutboxStore::cancel(qint64 id, bool *deleted, QString *error)
{
    return m_writer.cancel(id, deleted, error);
}

int OutboxStore::failAccount(const QString &account, const QString &detail)
{
    return m_writer.failAccount(account, detail);
}

bool OutboxStore::takeBackToDraft(qint64 id, QString *error)
{
    return m_writer.takeBackToDraft(id, error);
}

bool OutboxStore::replaceDraft(qint64 id, const NewMessage &message, QString *error)
{
    return m_writer.replaceDraft(id, message, error);
}

int OutboxStore::holdAccount(const QString &account, ErrorClass errorClass, const SmtpReply &reply,
                             const QString &detail)
{
    return m_writer.holdAccount(account, errorClass, reply, detail);
}

int OutboxStore::releaseAccount(const QString &account)
{
    return m_writer.releaseAccount(account);
}

void OutboxStore::rememberAddresses(const QStringList &addresses)
{
    m_addresses.remember(addresses);
}

QStringList OutboxStore::addressCompletions(const QString &prefix, int limit) const
{
    return m_addresses.completions(prefix, limit);
}

std::optional<MessageRecord> OutboxStore::message(qint64 id, ReadFailure *failure) const
{
    return m_reader.message(id, failure);
}

QByteArray OutboxStore::messageData(qint64 id) const
{
    return m_reader.messageData(id);
}

QList<MessageSummary> OutboxStore::list(std::optional<MessageState> state, int limit,
                                        int offset) const
{
    return m_reader.list(state, limit, offset);
}

bool OutboxStore::forEachSummary(std::optional<MessageState> state,
                                 const std::function<bool(const MessageSummary &)> &visit,
                                 ReadFailure *failure) const
{
    return m_reader.forEachSummary(state, visit, failure);
}

QList<qint64> OutboxStore::ids(std::optional<MessageState> state) const
{
    return m_reader.ids(state);
}

QList<qint64> OutboxStore::idsPage(const QList<MessageState> &states, qint64 beforeId,
                                   int limit) const
{
    return m_reader.idsPage(states, beforeId, limit);
}

std::optional<MessageSummary> OutboxStore::summary(qint64 id) const
{
    return m_reader.summary(id);
}

QHash<qint64, MessageState> OutboxStore::states(const QList<qint64> &ids) const
{
    return m_reader.states(ids);
}

QList<qint64> OutboxStore::dueIds() const
{
    return m_reader.dueIds();
}

int OutboxStore::count(std::optional<MessageState> state) const
{
    return m_reader.count(state);
}

qint64 OutboxStore::nextDueMs(const QStringList &skipAccounts) const
{
    return m_reader.nextDueMs(skipAccounts);
}

int OutboxStore::unsentCount(const QString &account) const
{
    return m_reader.unsentCount(account);
}

QStringList OutboxStore::orphanAccounts(const QStringList &existing) const
{
    return m_reader.orphanAccounts(existing);
}

void OutboxStore::notifyChanged(const QList<qint64> &ids)
{
    for (qint64 id : ids)
        emit messageChanged(id);
}

} // namespace outpost
