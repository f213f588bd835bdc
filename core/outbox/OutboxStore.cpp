#include "OutboxStore.h"
#include "ThreadStore.h"

#include "Clock.h"
#include "Database.h"

#include <QCoreApplication>
#include <QScopeGuard>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QVariant>

#include <algorithm>
#include <memory>
#include <utility>

namespace outpost {

namespace {

struct StateName
{
    MessageState s;
    const char *n;
};
constexpr StateName kStates[] = {
    {MessageState::Draft, "draft"},     {MessageState::Queued, "queued"},
    {MessageState::Sending, "sending"}, {MessageState::Sent, "sent"},
    {MessageState::Failed, "failed"},   {MessageState::Held, "held"},
};

// In UTC: a local-time QDateTime asks the C library for the time zone at every conversion
// (glibc stats /etc/localtime each time), which made up a fifth of `outpost list --json` on
// 100,000 messages. Callers showing a time to the user call toLocalTime().
QDateTime fromMs(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime();
}

qint64 toMs(const QDateTime &t)
{
    return t.isValid() ? t.toMSecsSinceEpoch() : 0;
}

// The columns readSummary() reads. Text is read as its UTF-8 bytes (CAST AS BLOB) and
// decoded with QString::fromUtf8: QSQLITE asks SQLite for UTF-16, which SQLite converts into
// a buffer of its own for every value, a sixth of `outpost list --json` on 100,000 messages.
// Columns that are usually empty come as NULL (no value to make at all). CAST AS BLOB gives
// the bytes in the database's encoding: an outbox in UTF-16 (never made by Outpost, whose
// QSQLITE connections create UTF-8 files) is read as text (kSummaryColumnsAsText).
const char kSummaryColumns[] =
    "id, CAST(account AS BLOB), state, NULLIF(error_class, ''), CAST(from_text AS BLOB), "
    "CAST(to_text AS BLOB), CAST(subject AS BLOB), attempts, created_at, send_at, "
    "next_attempt_at, last_code, NULLIF(last_enhanced, ''), CAST(NULLIF(last_text, '') AS BLOB), "
    "message_id, uncertain, size, CAST(NULLIF(last_detail, '') AS BLOB), dsn_notify, dsn_ret, "
    "dsn_envid, held_by_account";
const char kSummaryColumnsAsText[] =
    "id, account, state, NULLIF(error_class, ''), from_text, to_text, subject, attempts, "
    "created_at, send_at, next_attempt_at, last_code, NULLIF(last_enhanced, ''), "
    "NULLIF(last_text, ''), message_id, uncertain, size, NULLIF(last_detail, ''), dsn_notify, "
    "dsn_ret, dsn_envid, held_by_account";

QLatin1String summaryColumns(const Database *db)
{
    return QLatin1String(db->textIsUtf8() ? kSummaryColumns : kSummaryColumnsAsText);
}

/// A text column read as its UTF-8 bytes (see kSummaryColumns), or as text; empty for NULL.
QString utf8At(const QSqlQuery &q, int column)
{
    const QVariant v = q.value(column);
    return v.typeId() == QMetaType::QByteArray ? QString::fromUtf8(v.toByteArray()) : v.toString();
}

/// SQL NULL for an empty text (optional columns of schema 2: NULL = not asked).
QVariant textOrNull(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

/// The DSN request from its three columns (at `first`, first + 1, first + 2). Values this
/// build does not know are ignored (the message is sent without them).
DsnRequest readDsn(const QSqlQuery &q, int first)
{
    DsnRequest d;
    const QString notify = q.value(first).toString();
    if (!notify.isEmpty() && parseDsnNotify(notify, &d.notify) != DsnProblem::None)
        d.notify = DsnRequest::NotifyDefault;
    const QString ret = q.value(first + 1).toString();
    if (!ret.isEmpty() && parseDsnRet(ret, &d.ret) != DsnProblem::None)
        d.ret = DsnRequest::Ret::Default;
    d.envid = q.value(first + 2).toString().toLatin1();
    return d;
}

MessageSummary readSummary(const QSqlQuery &q)
{
    MessageSummary m;
    m.id = q.value(0).toLongLong();
    m.account = utf8At(q, 1);
    messageStateFromName(q.value(2).toString(), &m.state);
    m.errorClass = errorClassFromName(q.value(3).toString());
    m.fromText = utf8At(q, 4);
    m.toText = utf8At(q, 5);
    m.subject = utf8At(q, 6);
    m.attempts = q.value(7).toInt();
    m.createdAt = fromMs(q.value(8).toLongLong());
    m.sendAt = fromMs(q.value(9).toLongLong());
    m.nextAttemptAt = fromMs(q.value(10).toLongLong());
    m.lastReply.code = q.value(11).toInt();
    m.lastReply.enhanced = q.value(12).toString().toLatin1();
    const QString text = utf8At(q, 13);
    if (!text.isEmpty())
        m.lastReply.lines = {text.toUtf8()};
    m.messageId = q.value(14).toByteArray();
    m.uncertain = q.value(15).toBool();
    m.size = q.value(16).toLongLong();
    m.lastDetail = utf8At(q, 17);
    m.dsn = readDsn(q, 18);
    m.heldByAccount = q.value(21).toBool();
    return m;
}

/// True when `error` is set (a read failed), then filling *failure when given.
bool failed(const QSqlError &error, ReadFailure *failure)
{
    if (!error.isValid())
        return false;
    if (failure) {
        failure->damaged = Database::isCorruption(error);
        failure->detail = error.text();
    }
    return true;
}

QString stateFilter(std::optional<MessageState> state)
{
    return state ? QStringLiteral(" WHERE state = '%1'").arg(messageStateName(*state)) : QString();
}

} // namespace

QString messageStateName(MessageState s)
{
    for (const auto &e : kStates) {
        if (e.s == s)
            return QString::fromLatin1(e.n);
    }
    return {};
}

bool messageStateFromName(const QString &name, MessageState *out)
{
    for (const auto &e : kStates) {
        if (name == QLatin1String(e.n)) {
            *out = e.s;
            return true;
        }
    }
    return false;
}

OutboxStore::OutboxStore(Database *db, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
{
    m_groupTimer.setSingleShot(true);
    m_groupTimer.setInterval(0);
    connect(&m_groupTimer, &QTimer::timeout, this, &OutboxStore::startCommit);
}

OutboxStore::~OutboxStore()
{
    if ((!m_pending.isEmpty() || m_writing > 0) && m_db->isOpen())
        commitEnqueues();
    if (m_writer) {
        QMetaObject::invokeMethod(
            m_writer, [w = m_writer] { w->close(); }, Qt::BlockingQueuedConnection);
        m_writerThread->quit();
        m_writerThread->wait();
        delete m_writer;
        delete m_writerThread;
    }
}

void OutboxStore::useWriterThread(std::function<void(QSqlDatabase &)> setup)
{
    if (m_writer || !m_db)
        return;
    m_useWriter = true;
    m_writerSetup = std::move(setup);
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
    if (!m_writer) {
        m_writerThread = new QThread;
        m_writerThread->setObjectName(QStringLiteral("outpost-enqueue"));
        m_writer = new ThreadStore(m_db->path(), m_clock, m_writerSetup);
        m_writer->moveToThread(m_writerThread);
        m_writerThread->start();
    }
    while (!m_pending.isEmpty()) {
        const QList<PendingEnqueue> group = takeGroup();
        m_writing += int(group.size());
        QMetaObject::invokeMethod(
            m_writer,
            [w = m_writer, this, group] {
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
    if (!m_writer)
        return;
    // The writer runs what it is handed in order: once this no-op ran, everything before it
    // did, and its results are posted to this thread.
    QMetaObject::invokeMethod(
        m_writer, [] {}, Qt::BlockingQueuedConnection);
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

namespace {
/// The statements enqueueMany() runs per message, prepared once per transaction (SQLite
/// parses a statement at every prepare(): four per message were a third of an enqueue).
struct InsertStatements
{
    explicit InsertStatements(QSqlDatabase &db)
        : message(db)
        , data(db)
        , recipient(db)
        , history(db)
    {
        message.prepare(QStringLiteral("INSERT INTO messages (account, state, reverse_path, "
                                       "from_text, to_text, subject, message_id, size, "
                                       "needs_smtputf8, created_at, send_at, next_attempt_at, "
                                       "updated_at, dsn_notify, dsn_ret, dsn_envid) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        data.prepare(QStringLiteral("INSERT INTO message_data (id, data) VALUES (?, ?)"));
        recipient.prepare(QStringLiteral(
            "INSERT INTO recipients (message, seq, address, state) VALUES (?, ?, ?, 'queued')"));
        history.prepare(
            QStringLiteral("INSERT INTO history (message, at, event) VALUES (?, ?, ?)"));
    }
    QSqlQuery message, data, recipient, history;
};

/// One message inside enqueueMany()'s transaction, on its prepared statements.
bool insertOne(InsertStatements *st, const NewMessage &m, qint64 now, qint64 *id, QString *error)
{
    if (checkDsnRequest(m.dsn) != DsnProblem::None) {
        *error = QStringLiteral("invalid delivery status notification request");
        return false;
    }
    QSqlQuery &q = st->message;
    const qint64 sendAt = toMs(m.sendAt);
    q.addBindValue(m.account);
    q.addBindValue(messageStateName(m.state));
    q.addBindValue(m.reversePath);
    q.addBindValue(m.fromText);
    q.addBindValue(m.toText);
    q.addBindValue(m.subject);
    q.addBindValue(m.messageId);
    q.addBindValue(qint64(m.data.size()));
    q.addBindValue(m.needsSmtpUtf8 ? 1 : 0);
    q.addBindValue(now);
    q.addBindValue(sendAt);
    q.addBindValue(std::max(now, sendAt));
    q.addBindValue(now);
    q.addBindValue(textOrNull(dsnNotifyName(m.dsn.notify)));
    q.addBindValue(textOrNull(dsnRetName(m.dsn.ret)));
    q.addBindValue(textOrNull(QString::fromLatin1(m.dsn.envid)));
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    *id = q.lastInsertId().toLongLong();
    QSqlQuery &d = st->data;
    d.addBindValue(*id);
    d.addBindValue(m.data);
    if (!d.exec()) {
        *error = d.lastError().text();
        return false;
    }
    QSqlQuery &r = st->recipient;
    for (qsizetype i = 0; i < m.recipients.size(); ++i) {
        r.addBindValue(*id);
        r.addBindValue(int(i));
        r.addBindValue(m.recipients[i]);
        if (!r.exec()) {
            *error = r.lastError().text();
            return false;
        }
    }
    QSqlQuery &h = st->history;
    h.addBindValue(*id);
    h.addBindValue(now);
    h.addBindValue(historyEventName(m.state == MessageState::Draft ? HistoryEvent::DraftSaved
                                                                   : HistoryEvent::Queued));
    if (!h.exec()) {
        *error = h.lastError().text();
        return false;
    }
    return true;
}
} // namespace

qint64 OutboxStore::enqueue(const NewMessage &message, QString *error)
{
    const QList<qint64> ids = enqueueMany({message}, error);
    return ids.value(0);
}

QList<qint64> OutboxStore::enqueueMany(const QList<NewMessage> &messages, QString *error)
{
    const qint64 now = m_clock->nowMs();
    Transaction tx(m_db->db());
    if (!tx.ok()) {
        *error = m_db->db().lastError().text();
        return {};
    }
    QList<qint64> ids;
    ids.reserve(messages.size());
    InsertStatements statements(m_db->db());
    for (const NewMessage &m : messages) {
        qint64 id = 0;
        if (!insertOne(&statements, m, now, &id, error))
            return {};
        ids << id;
    }
    if (!tx.commit()) {
        *error =
            QStringLiteral("could not write the outbox: %1").arg(m_db->db().lastError().text());
        return {};
    }
    for (qint64 id : std::as_const(ids))
        emit messageChanged(id);
    return ids;
}

namespace {
/// The summary of message `id`; nullopt when there is none or the read failed (*failure).
std::optional<MessageSummary> readOneSummary(Database *db, qint64 id, ReadFailure *failure)
{
    QSqlQuery &q = db->statement(
        QStringLiteral("SELECT %1 FROM messages WHERE id = ?").arg(summaryColumns(db)));
    const auto done = qScopeGuard([&q] { q.finish(); });
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        failed(q.lastError(), failure);
        return std::nullopt;
    }
    return readSummary(q);
}
} // namespace

std::optional<MessageSummary> OutboxStore::summary(qint64 id) const
{
    return readOneSummary(m_db, id, nullptr);
}

QHash<qint64, MessageState> OutboxStore::states(const QList<qint64> &ids) const
{
    QHash<qint64, MessageState> out;
    if (ids.isEmpty())
        return out;
    QList<qint64> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    const QSet<qint64> wanted(sorted.cbegin(), sorted.cend());
    QSqlQuery &q =
        m_db->statement(QStringLiteral("SELECT id, state FROM messages WHERE id BETWEEN ? AND ?"));
    // One range per run of close ids: a range over ids far apart (an old message and a new
    // one) would read every message between them.
    constexpr qint64 kMaxGap = 64;
    for (qsizetype i = 0; i < sorted.size();) {
        qsizetype j = i + 1;
        while (j < sorted.size() && sorted[j] - sorted[j - 1] <= kMaxGap)
            ++j;
        q.addBindValue(sorted[i]);
        q.addBindValue(sorted[j - 1]);
        if (q.exec()) {
            while (q.next()) {
                const qint64 id = q.value(0).toLongLong();
                MessageState st;
                if (wanted.contains(id) && messageStateFromName(q.value(1).toString(), &st))
                    out.insert(id, st);
            }
        }
        q.finish();
        i = j;
    }
    return out;
}

std::optional<MessageRecord> OutboxStore::message(qint64 id, ReadFailure *failure) const
{
    const auto s = readOneSummary(m_db, id, failure);
    if (!s)
        return std::nullopt;
    MessageRecord rec;
    static_cast<MessageSummary &>(rec) = *s;
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT reverse_path, needs_smtputf8 FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (q.exec() && q.next()) {
        rec.reversePath = q.value(0).toByteArray();
        rec.needsSmtpUtf8 = q.value(1).toBool();
    }
    QSqlQuery r(m_db->db());
    r.prepare(QStringLiteral("SELECT address, state, code, enhanced, text FROM recipients WHERE "
                             "message = ? ORDER BY seq"));
    r.addBindValue(id);
    r.exec();
    while (r.next()) {
        RecipientRecord rr;
        rr.address = r.value(0).toByteArray();
        messageStateFromName(r.value(1).toString(), &rr.state);
        rr.reply.code = r.value(2).toInt();
        rr.reply.enhanced = r.value(3).toString().toLatin1();
        if (!r.value(4).toString().isEmpty())
            rr.reply.lines = {r.value(4).toString().toUtf8()};
        rec.recipients << rr;
    }
    QSqlQuery h(m_db->db());
    h.prepare(QStringLiteral(
        "SELECT at, event, error_class, code, enhanced, text, uncertain, server, detail, notes "
        "FROM history WHERE message = ? ORDER BY id"));
    h.addBindValue(id);
    h.exec();
    while (h.next()) {
        HistoryEntry e;
        e.at = fromMs(h.value(0).toLongLong());
        e.event = historyEventFromName(h.value(1).toString());
        e.errorClass = errorClassFromName(h.value(2).toString());
        e.reply.code = h.value(3).toInt();
        e.reply.enhanced = h.value(4).toString().toLatin1();
        if (!h.value(5).toString().isEmpty())
            e.reply.lines = {h.value(5).toString().toUtf8()};
        e.uncertain = h.value(6).toBool();
        e.server = h.value(7).toString();
        e.detail = h.value(8).toString();
        e.notes = h.value(9).toString().split(QLatin1Char(','), Qt::SkipEmptyParts);
        rec.history << e;
    }
    if (failed(q.lastError(), failure) || failed(r.lastError(), failure) ||
        failed(h.lastError(), failure))
        return std::nullopt;
    return rec;
}

QByteArray OutboxStore::messageData(qint64 id) const
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT data FROM message_data WHERE id = ?"));
    q.addBindValue(id);
    if (q.exec() && q.next())
        return q.value(0).toByteArray();
    return {};
}

QList<MessageSummary> OutboxStore::list(std::optional<MessageState> state, int limit,
                                        int offset) const
{
    QList<MessageSummary> out;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT %1 FROM messages%2 ORDER BY id DESC LIMIT %3 OFFSET %4")
               .arg(summaryColumns(m_db), stateFilter(state))
               .arg(limit)
               .arg(offset));
    while (q.next())
        out << readSummary(q);
    return out;
}

bool OutboxStore::forEachSummary(std::optional<MessageState> state,
                                 const std::function<bool(const MessageSummary &)> &visit,
                                 ReadFailure *failure) const
{
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    if (q.exec(QStringLiteral("SELECT %1 FROM messages%2 ORDER BY id DESC")
                   .arg(summaryColumns(m_db), stateFilter(state)))) {
        while (q.next()) {
            if (!visit(readSummary(q)))
                return true;
        }
    }
    return !failed(q.lastError(), failure);
}

QList<qint64> OutboxStore::ids(std::optional<MessageState> state) const
{
    QList<qint64> out;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT id FROM messages%1 ORDER BY id DESC").arg(stateFilter(state)));
    while (q.next())
        out << q.value(0).toLongLong();
    return out;
}

QList<qint64> OutboxStore::dueIds() const
{
    QList<qint64> out;
    QSqlQuery &q = m_db->statement(QStringLiteral(
        "SELECT id FROM messages WHERE state = 'queued' AND send_at <= ? ORDER BY id"));
    q.addBindValue(m_clock->nowMs());
    if (q.exec()) {
        while (q.next())
            out << q.value(0).toLongLong();
    }
    q.finish();
    return out;
}

QList<qint64> OutboxStore::idsPage(const QList<MessageState> &states, qint64 beforeId,
                                   int limit) const
{
    QStringList where;
    if (!states.isEmpty()) {
        QStringList names;
        for (MessageState s : states)
            names << QLatin1Char('\'') + messageStateName(s) + QLatin1Char('\'');
        where << QStringLiteral("state IN (%1)").arg(names.join(QLatin1Char(',')));
    }
    if (beforeId > 0)
        where << QStringLiteral("id < %1").arg(beforeId);
    QList<qint64> out;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT id FROM messages%1 ORDER BY id DESC LIMIT %2")
               .arg(where.isEmpty()
                        ? QString()
                        : QStringLiteral(" WHERE ") + where.join(QLatin1String(" AND ")))
               .arg(std::max(0, limit)));
    while (q.next())
        out << q.value(0).toLongLong();
    return out;
}

int OutboxStore::count(std::optional<MessageState> state) const
{
    QSqlQuery q(m_db->db());
    q.exec(QStringLiteral("SELECT COUNT(*) FROM messages%1").arg(stateFilter(state)));
    return q.next() ? q.value(0).toInt() : 0;
}

static QString accountExclusion(const QStringList &skip, QList<QVariant> *binds)
{
    if (skip.isEmpty())
        return {};
    QStringList marks;
    for (const QString &a : skip) {
        marks << QStringLiteral("?");
        binds->append(a);
    }
    return QStringLiteral(" AND account NOT IN (%1)").arg(marks.join(QLatin1Char(',')));
}

void OutboxStore::notifyChanged(const QList<qint64> &ids)
{
    for (qint64 id : ids)
        emit messageChanged(id);
}

QList<ClaimedMessage> OutboxStore::claimDue(int limit, const QStringList &skipAccounts,
                                            qint64 maxBytes)
{
    const qint64 now = m_clock->nowMs();
    QList<ClaimedMessage> out;
    // A claim need not be on disk before the message goes out: lost in a power cut, the
    // message is `queued` again, just as recoverInterrupted() would make it. So it commits
    // without a disk sync (WAL with synchronous=NORMAL); the next synchronous commit (the
    // outcome) makes it durable too. Saves one fsync per claim batch (tests/bench flush).
    m_db->statement(QStringLiteral("PRAGMA synchronous=NORMAL")).exec();
    const auto syncAgain =
        qScopeGuard([this] { m_db->statement(QStringLiteral("PRAGMA synchronous=FULL")).exec(); });
    Transaction tx(m_db->db());
    if (!tx.ok())
        return out;
    QList<QVariant> binds;
    const QString excl = accountExclusion(skipAccounts, &binds);
    QSqlQuery &q = m_db->statement(
        QStringLiteral(
            "SELECT id, account, reverse_path, needs_smtputf8, attempts, created_at, size, "
            "dsn_notify, dsn_ret, dsn_envid FROM messages "
            "WHERE state = 'queued' AND next_attempt_at <= ?%1 ORDER BY id LIMIT ?")
            .arg(excl));
    q.addBindValue(now);
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    q.addBindValue(limit);
    if (!q.exec())
        return out;
    qint64 bytes = 0;
    while (q.next()) {
        bytes += q.value(6).toLongLong();
        if (maxBytes >= 0 && bytes > maxBytes && !out.isEmpty())
            break;
        ClaimedMessage c;
        c.id = q.value(0).toLongLong();
        c.account = q.value(1).toString();
        c.reversePath = q.value(2).toByteArray();
        c.needsSmtpUtf8 = q.value(3).toBool();
        c.attempts = q.value(4).toInt();
        c.createdAt = fromMs(q.value(5).toLongLong());
        c.dsn = readDsn(q, 7);
        out << c;
    }
    q.finish();
    QSqlQuery &u = m_db->statement(QStringLiteral(
        "UPDATE messages SET state = 'sending', updated_at = ? WHERE id = ? AND state = 'queued'"));
    QSqlQuery &r = m_db->statement(QStringLiteral(
        "SELECT address FROM recipients WHERE message = ? AND state = 'queued' ORDER BY seq"));
    QSqlQuery &d = m_db->statement(QStringLiteral("SELECT data FROM message_data WHERE id = ?"));
    for (ClaimedMessage &c : out) {
        u.addBindValue(now);
        u.addBindValue(c.id);
        if (!u.exec())
            return {};
        r.addBindValue(c.id);
        r.exec();
        while (r.next())
            c.recipients << r.value(0).toByteArray();
        r.finish();
        d.addBindValue(c.id);
        if (d.exec() && d.next())
            c.data = d.value(0).toByteArray();
        d.finish();
    }
    if (!tx.commit())
        return {};
    for (const ClaimedMessage &c : std::as_const(out))
        emit messageChanged(c.id);
    return out;
}

qint64 OutboxStore::nextDueMs(const QStringList &skipAccounts) const
{
    QList<QVariant> binds;
    const QString excl = accountExclusion(skipAccounts, &binds);
    QSqlQuery &q = m_db->statement(
        QStringLiteral("SELECT MIN(next_attempt_at) FROM messages WHERE state = 'queued'%1")
            .arg(excl));
    const auto done = qScopeGuard([&q] { q.finish(); });
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    if (q.exec() && q.next() && !q.value(0).isNull())
        return q.value(0).toLongLong();
    return -1;
}

namespace {
const char kInsertHistory[] =
    "INSERT INTO history (message, at, event, error_class, code, enhanced, text, uncertain, "
    "server, detail, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Executes the prepared kInsertHistory for one entry.
bool insertHistory(QSqlQuery &q, qint64 id, const HistoryEntry &h)
{
    q.bindValue(0, id);
    q.bindValue(1, toMs(h.at));
    q.bindValue(2, historyEventName(h.event));
    q.bindValue(3, errorClassName(h.errorClass));
    q.bindValue(4, h.reply.code);
    q.bindValue(5, QString::fromLatin1(h.reply.enhanced));
    q.bindValue(6, h.reply.boundedText());
    q.bindValue(7, h.uncertain ? 1 : 0);
    q.bindValue(8, h.server);
    q.bindValue(9, h.detail);
    q.bindValue(10, textOrNull(h.notes.join(QLatin1Char(','))));
    return q.exec();
}

/// The statements applyUpdates() runs per message, prepared once per batch (SQLite parses a
/// statement at every prepare()).
struct UpdateStatements
{
    explicit UpdateStatements(Database *db)
        : message(db->statement(
              QStringLiteral("UPDATE messages SET state = ?, error_class = ?, attempts = "
                             "attempts + ?, next_attempt_at = ?, "
                             "last_code = ?, last_enhanced = ?, last_text = ?, "
                             "last_detail = ?, uncertain = MAX(uncertain, ?), "
                             "held_by_account = ?, updated_at = ? WHERE id = ?")))
        , recipient(db->statement(QStringLiteral("UPDATE recipients SET state = ?, code = ?, "
                                                 "enhanced = ?, text = ? WHERE message = ? AND "
                                                 "address = ?")))
        , history(db->statement(QLatin1String(kInsertHistory)))
    {}
    QSqlQuery &message, &recipient, &history;
};

/// One update inside applyUpdates()'s transaction, on its prepared statements.
bool writeUpdate(UpdateStatements *st, const DeliveryUpdate &u, qint64 now, QString *error)
{
    QSqlQuery &q = st->message;
    q.bindValue(0, messageStateName(u.state));
    q.bindValue(1, errorClassName(u.errorClass));
    q.bindValue(2, u.countAttempt ? 1 : 0);
    q.bindValue(3, toMs(u.nextAttemptAt));
    q.bindValue(4, u.reply.code);
    q.bindValue(5, QString::fromLatin1(u.reply.enhanced));
    q.bindValue(6, u.reply.boundedText());
    q.bindValue(7, u.detail);
    q.bindValue(8, u.uncertain ? 1 : 0);
    q.bindValue(9, u.state == MessageState::Held && u.event == HistoryEvent::HeldAccountPaused);
    q.bindValue(10, now);
    q.bindValue(11, u.id);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    QSqlQuery &r = st->recipient;
    for (const RecipientRecord &rr : u.recipients) {
        r.bindValue(0, messageStateName(rr.state));
        r.bindValue(1, rr.reply.code);
        r.bindValue(2, QString::fromLatin1(rr.reply.enhanced));
        r.bindValue(3, rr.reply.boundedText());
        r.bindValue(4, u.id);
        r.bindValue(5, rr.address);
        if (!r.exec()) {
            *error = r.lastError().text();
            return false;
        }
    }
    HistoryEntry h;
    h.at = fromMs(now);
    h.event = u.event;
    h.errorClass = u.errorClass;
    h.reply = u.reply;
    h.uncertain = u.uncertain;
    h.server = u.server;
    h.detail = u.detail;
    h.notes = u.notes;
    if (!insertHistory(st->history, u.id, h)) {
        *error = st->history.lastError().text();
        return false;
    }
    return true;
}
} // namespace

void OutboxStore::addHistory(qint64 id, const HistoryEntry &h)
{
    QSqlQuery q(m_db->db());
    q.prepare(QLatin1String(kInsertHistory));
    insertHistory(q, id, h);
}

bool OutboxStore::applyUpdate(const DeliveryUpdate &u, QString *error)
{
    return applyUpdates({u}, error);
}

bool OutboxStore::applyUpdates(const QList<DeliveryUpdate> &updates, QString *error)
{
    if (updates.isEmpty())
        return true;
    const qint64 now = m_clock->nowMs();
    Transaction tx(m_db->db());
    if (!tx.ok()) {
        *error = m_db->db().lastError().text();
        return false;
    }
    UpdateStatements statements(m_db);
    for (const DeliveryUpdate &u : updates) {
        if (!writeUpdate(&statements, u, now, error))
            return false;
    }
    if (!tx.commit()) {
        *error = m_db->db().lastError().text();
        return false;
    }
    for (const DeliveryUpdate &u : updates)
        emit messageChanged(u.id);
    return true;
}

int OutboxStore::recoverInterrupted()
{
    const qint64 now = m_clock->nowMs();
    QList<qint64> ids;
    QSqlQuery q(m_db->db());
    q.exec(QStringLiteral("SELECT id FROM messages WHERE state = 'sending'"));
    while (q.next())
        ids << q.value(0).toLongLong();
    if (ids.isEmpty())
        return 0;
    Transaction tx(m_db->db());
    for (qint64 id : std::as_const(ids)) {
        QSqlQuery u(m_db->db());
        u.prepare(QStringLiteral("UPDATE messages SET state = 'queued', next_attempt_at = ?, "
                                 "updated_at = ? WHERE id = ?"));
        u.addBindValue(now);
        u.addBindValue(now);
        u.addBindValue(id);
        u.exec();
        HistoryEntry h;
        h.at = fromMs(now);
        h.event = HistoryEvent::Recovered;
        h.detail =
            QStringLiteral("Outpost stopped while sending this message; it was queued again");
        addHistory(id, h);
    }
    tx.commit();
    emit messagesReset();
    return int(ids.size());
}

int OutboxStore::makeAllDue()
{
    const qint64 now = m_clock->nowMs();
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral(
        "UPDATE messages SET next_attempt_at = ? WHERE state = 'queued' AND next_attempt_at > ? "
        "AND send_at <= ?"));
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(now);
    q.exec();
    const int n = q.numRowsAffected();
    if (n > 0)
        emit messagesReset();
    return n;
}

namespace {
// keepSchedule: a message scheduled for later (send_at) stays due at its time, not now.
bool changeState(Database *db, const Clock *clock, qint64 id, const QStringList &from,
                 MessageState to, HistoryEvent event, QString *error, bool resetRecipients = false,
                 bool keepSchedule = false, const QString &detail = {})
{
    const auto now = clock->nowMs();
    Transaction tx(db->db());
    QSqlQuery q(db->db());
    q.prepare(QStringLiteral("SELECT state FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    const QString state = q.value(0).toString();
    if (!from.contains(state)) {
        *error = QStringLiteral("message %1 is %2").arg(id).arg(state);
        return false;
    }
    QSqlQuery u(db->db());
    u.prepare(
        QStringLiteral("UPDATE messages SET state = ?, next_attempt_at = MAX(?, send_at * ?), "
                       "held_by_account = 0, updated_at = ? WHERE id = ?"));
    u.addBindValue(messageStateName(to));
    u.addBindValue(now);
    u.addBindValue(keepSchedule ? 1 : 0);
    u.addBindValue(now);
    u.addBindValue(id);
    if (!u.exec()) {
        *error = u.lastError().text();
        return false;
    }
    if (resetRecipients) {
        // Retry of a failed message: every recipient not yet delivered is tried again.
        QSqlQuery r(db->db());
        r.prepare(QStringLiteral(
            "UPDATE recipients SET state = 'queued' WHERE message = ? AND state = 'failed'"));
        r.addBindValue(id);
        r.exec();
    }
    QSqlQuery h(db->db());
    h.prepare(
        QStringLiteral("INSERT INTO history (message, at, event, detail) VALUES (?, ?, ?, ?)"));
    h.addBindValue(id);
    h.addBindValue(now);
    h.addBindValue(historyEventName(event));
    h.addBindValue(detail);
    h.exec();
    if (!tx.commit()) {
        *error = db->db().lastError().text();
        return false;
    }
    return true;
}
} // namespace

bool OutboxStore::retryNow(qint64 id, QString *error, QDateTime *overriddenSendAt)
{
    const auto before = summary(id);
    const qint64 now = m_clock->nowMs();
    const bool scheduled = before && before->sendAt.isValid() && toMs(before->sendAt) > now;
    if (overriddenSendAt)
        *overriddenSendAt = QDateTime();
    const bool ok =
        changeState(m_db, m_clock, id,
                    {QStringLiteral("queued"), QStringLiteral("failed"), QStringLiteral("held")},
                    MessageState::Queued, HistoryEvent::RetryRequested, error, true, false,
                    scheduled ? before->sendAt.toString(Qt::ISODateWithMs) : QString());
    if (ok && scheduled) {
        // Sent now: the schedule no longer holds, and listings must not claim it does.
        QSqlQuery q(m_db->db());
        q.prepare(QStringLiteral("UPDATE messages SET send_at = 0 WHERE id = ?"));
        q.addBindValue(id);
        q.exec();
        if (overriddenSendAt)
            *overriddenSendAt = before->sendAt;
    }
    if (ok)
        emit messageChanged(id);
    return ok;
}

bool OutboxStore::hold(qint64 id, QString *error)
{
    const bool ok =
        changeState(m_db, m_clock, id, {QStringLiteral("queued"), QStringLiteral("draft")},
                    MessageState::Held, HistoryEvent::HeldByUser, error);
    if (ok)
        emit messageChanged(id);
    return ok;
}

bool OutboxStore::release(qint64 id, QString *error)
{
    const bool ok =
        changeState(m_db, m_clock, id, {QStringLiteral("held"), QStringLiteral("draft")},
                    MessageState::Queued, HistoryEvent::Released, error, false, true);
    if (ok)
        emit messageChanged(id);
    return ok;
}

bool OutboxStore::remove(qint64 id, QString *error)
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT state FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (q.value(0).toString() == QLatin1String("sending")) {
        *error = QStringLiteral("message %1 is being sent right now").arg(id);
        return false;
    }
    Transaction tx(m_db->db());
    // A DELETE that fails (a read-only connection, a damaged page) leaves everything in place
    // (the transaction rolls back) and says why, instead of a success that deleted nothing.
    for (const char *sql :
         {"DELETE FROM history WHERE message = ?", "DELETE FROM recipients WHERE message = ?",
          "DELETE FROM message_data WHERE id = ?", "DELETE FROM messages WHERE id = ?"}) {
        QSqlQuery d(m_db->db());
        d.prepare(QLatin1String(sql));
        d.addBindValue(id);
        if (!d.exec()) {
            *error = d.lastError().text();
            return false;
        }
    }
    if (!tx.commit()) {
        *error = m_db->db().lastError().text();
        return false;
    }
    emit messageChanged(id);
    return true;
}

bool OutboxStore::cancel(qint64 id, bool *deleted, QString *error)
{
    *deleted = false;
    const auto rec = message(id);
    if (!rec) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (rec->state == MessageState::Sent) {
        *error = QStringLiteral("message %1 was sent already; cancel only withdraws messages "
                                "not sent yet (it stays in the outbox as a record)")
                     .arg(id);
        return false;
    }
    if (rec->state == MessageState::Sending) {
        *error = QStringLiteral("message %1 is being sent right now").arg(id);
        return false;
    }
    const bool someSent =
        std::any_of(rec->recipients.cbegin(), rec->recipients.cend(),
                    [](const RecipientRecord &r) { return r.state == MessageState::Sent; });
    if (!someSent) {
        *deleted = remove(id, error);
        return *deleted;
    }
    const qint64 now = m_clock->nowMs();
    Transaction tx(m_db->db());
    QSqlQuery u(m_db->db());
    u.prepare(QStringLiteral("UPDATE messages SET state = 'failed', error_class = 'local', "
                             "last_detail = ?, held_by_account = 0, updated_at = ? WHERE id = ?"));
    u.addBindValue(QStringLiteral("cancelled by the user"));
    u.addBindValue(now);
    u.addBindValue(id);
    QSqlQuery r(m_db->db());
    r.prepare(QStringLiteral("UPDATE recipients SET state = 'failed', text = ? WHERE message = ? "
                             "AND state <> 'sent'"));
    r.addBindValue(QStringLiteral("cancelled by the user"));
    r.addBindValue(id);
    HistoryEntry h;
    h.at = fromMs(now);
    h.event = HistoryEvent::Cancelled;
    h.errorClass = ErrorClass::Local;
    QSqlQuery hq(m_db->db());
    hq.prepare(QLatin1String(kInsertHistory));
    if (!u.exec() || !r.exec() || !insertHistory(hq, id, h) || !tx.commit()) {
        *error =
            QStringLiteral("could not write the outbox: %1").arg(m_db->db().lastError().text());
        return false;
    }
    emit messageChanged(id);
    return true;
}

bool OutboxStore::takeBackToDraft(qint64 id, QString *error)
{
    const auto current = summary(id);
    if (!current) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (current->state == MessageState::Sending) {
        *error = QStringLiteral("message %1 is being sent right now").arg(id);
        return false;
    }
    if (current->state == MessageState::Sent) {
        *error = QStringLiteral("message %1 has been sent already").arg(id);
        return false;
    }
    if (current->state == MessageState::Draft)
        return true; // reopening a draft changes nothing
    // changeState() checks the state again inside its transaction: a claim in between loses.
    const bool ok = changeState(m_db, m_clock, id,
                                {QStringLiteral("queued"), QStringLiteral("held"),
                                 QStringLiteral("failed"), QStringLiteral("draft")},
                                MessageState::Draft, HistoryEvent::BackToDraft, error, false, true);
    if (ok)
        emit messageChanged(id);
    return ok;
}

bool OutboxStore::replaceDraft(qint64 id, const NewMessage &m, QString *error)
{
    QSqlDatabase &db = m_db->db();
    const qint64 now = m_clock->nowMs();
    Transaction tx(db);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT state FROM messages WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next()) {
        *error = QStringLiteral("no message with id %1").arg(id);
        return false;
    }
    if (q.value(0).toString() != QLatin1String("draft")) {
        *error = QStringLiteral("message %1 is %2, not a draft").arg(id).arg(q.value(0).toString());
        return false;
    }
    const qint64 sendAt = toMs(m.sendAt);
    QSqlQuery u(db);
    u.prepare(QStringLiteral(
        "UPDATE messages SET account = ?, state = ?, error_class = '', reverse_path = ?, "
        "from_text = ?, to_text = ?, subject = ?, message_id = ?, size = ?, needs_smtputf8 = ?, "
        "send_at = ?, next_attempt_at = ?, attempts = 0, last_code = 0, last_enhanced = '', "
        "last_text = '', uncertain = 0, held_by_account = 0, last_detail = '', updated_at = ? "
        "WHERE id = ?"));
    u.addBindValue(m.account);
    u.addBindValue(messageStateName(m.state));
    u.addBindValue(m.reversePath);
    u.addBindValue(m.fromText);
    u.addBindValue(m.toText);
    u.addBindValue(m.subject);
    u.addBindValue(m.messageId);
    u.addBindValue(qint64(m.data.size()));
    u.addBindValue(m.needsSmtpUtf8 ? 1 : 0);
    u.addBindValue(sendAt);
    u.addBindValue(std::max(now, sendAt));
    u.addBindValue(now);
    u.addBindValue(id);
    QSqlQuery d(db);
    d.prepare(QStringLiteral("UPDATE message_data SET data = ? WHERE id = ?"));
    d.addBindValue(m.data);
    d.addBindValue(id);
    QSqlQuery del(db);
    del.prepare(QStringLiteral("DELETE FROM recipients WHERE message = ?"));
    del.addBindValue(id);
    if (!u.exec() || !d.exec() || !del.exec()) {
        *error = db.lastError().text();
        if (error->isEmpty())
            *error = u.lastError().text() + d.lastError().text() + del.lastError().text();
        return false;
    }
    QSqlQuery r(db);
    r.prepare(QStringLiteral(
        "INSERT INTO recipients (message, seq, address, state) VALUES (?, ?, ?, 'queued')"));
    for (qsizetype i = 0; i < m.recipients.size(); ++i) {
        r.addBindValue(id);
        r.addBindValue(int(i));
        r.addBindValue(m.recipients[i]);
        if (!r.exec()) {
            *error = r.lastError().text();
            return false;
        }
    }
    QSqlQuery h(db);
    h.prepare(QStringLiteral("INSERT INTO history (message, at, event) VALUES (?, ?, ?)"));
    h.addBindValue(id);
    h.addBindValue(now);
    h.addBindValue(historyEventName(m.state == MessageState::Draft ? HistoryEvent::EditedDraft
                                                                   : HistoryEvent::EditedQueued));
    if (!h.exec()) {
        *error = h.lastError().text();
        return false;
    }
    if (!tx.commit()) {
        *error = db.lastError().text();
        return false;
    }
    emit messageChanged(id);
    return true;
}

int OutboxStore::unsentCount(const QString &account) const
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM messages WHERE account = ? AND state IN "
                             "('queued', 'sending', 'held')"));
    q.addBindValue(account);
    return q.exec() && q.next() ? q.value(0).toInt() : 0;
}

int OutboxStore::failAccount(const QString &account, const QString &detail)
{
    QList<qint64> ids;
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral(
        "SELECT id FROM messages WHERE account = ? AND state IN ('queued', 'held')"));
    s.addBindValue(account);
    if (!s.exec())
        return -1;
    while (s.next())
        ids << s.value(0).toLongLong();
    if (ids.isEmpty())
        return 0;
    QList<DeliveryUpdate> updates;
    for (qint64 id : std::as_const(ids)) {
        DeliveryUpdate u;
        u.id = id;
        u.state = MessageState::Failed;
        u.errorClass = ErrorClass::Local;
        u.detail = detail;
        u.countAttempt = false;
        u.event = HistoryEvent::FailedAccountRemoved;
        updates << u;
    }
    QString error;
    if (!applyUpdates(updates, &error))
        return -1;
    return int(ids.size());
}

QStringList OutboxStore::orphanAccounts(const QStringList &existing) const
{
    QStringList out;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral(
            "SELECT DISTINCT account FROM messages WHERE state IN ('queued', 'held')")))
        return out;
    while (q.next()) {
        const QString a = q.value(0).toString();
        if (!existing.contains(a))
            out << a;
    }
    return out;
}

int OutboxStore::holdAccount(const QString &account, ErrorClass errorClass, const SmtpReply &reply,
                             const QString &detail)
{
    const qint64 now = m_clock->nowMs();
    QList<qint64> ids;
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral("SELECT id FROM messages WHERE account = ? AND state = 'queued'"));
    s.addBindValue(account);
    s.exec();
    while (s.next())
        ids << s.value(0).toLongLong();
    Transaction tx(m_db->db());
    for (qint64 id : std::as_const(ids)) {
        QSqlQuery u(m_db->db());
        u.prepare(QStringLiteral(
            "UPDATE messages SET state = 'held', held_by_account = 1, error_class = ?, last_code = "
            "?, "
            "last_enhanced = ?, last_text = ?, last_detail = ?, updated_at = ? WHERE id = ?"));
        u.addBindValue(errorClassName(errorClass));
        u.addBindValue(reply.code);
        u.addBindValue(QString::fromLatin1(reply.enhanced));
        u.addBindValue(reply.boundedText());
        u.addBindValue(detail);
        u.addBindValue(now);
        u.addBindValue(id);
        u.exec();
        HistoryEntry h;
        h.at = fromMs(now);
        h.event = HistoryEvent::HeldAccountPaused;
        h.errorClass = errorClass;
        h.reply = reply;
        h.detail = detail;
        addHistory(id, h);
    }
    tx.commit();
    if (!ids.isEmpty())
        emit messagesReset();
    return int(ids.size());
}

int OutboxStore::releaseAccount(const QString &account)
{
    const qint64 now = m_clock->nowMs();
    QList<qint64> ids;
    QSqlQuery s(m_db->db());
    s.prepare(QStringLiteral(
        "SELECT id FROM messages WHERE account = ? AND state = 'held' AND held_by_account = 1"));
    s.addBindValue(account);
    s.exec();
    while (s.next())
        ids << s.value(0).toLongLong();
    Transaction tx(m_db->db());
    for (qint64 id : std::as_const(ids)) {
        QSqlQuery u(m_db->db());
        u.prepare(QStringLiteral("UPDATE messages SET state = 'queued', held_by_account = 0, "
                                 "next_attempt_at = MAX(?, send_at), updated_at = ? WHERE id = ?"));
        u.addBindValue(now);
        u.addBindValue(now);
        u.addBindValue(id);
        u.exec();
        HistoryEntry h;
        h.at = fromMs(now);
        h.event = HistoryEvent::ReleasedAccountResumed;
        addHistory(id, h);
    }
    tx.commit();
    if (!ids.isEmpty())
        emit messagesReset();
    return int(ids.size());
}

void OutboxStore::rememberAddresses(const QStringList &addresses)
{
    const qint64 now = m_clock->nowMs();
    Transaction tx(m_db->db());
    for (const QString &a : addresses) {
        QSqlQuery q(m_db->db());
        q.prepare(QStringLiteral(
            "INSERT INTO address_book (address, last_used, uses) VALUES (?, ?, 1) "
            "ON CONFLICT(address) DO UPDATE SET last_used = excluded.last_used, uses = uses + 1"));
        q.addBindValue(a);
        q.addBindValue(now);
        q.exec();
    }
    tx.commit();
}

QStringList OutboxStore::addressCompletions(const QString &prefix, int limit) const
{
    QStringList out;
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT address FROM address_book WHERE address LIKE ? ESCAPE '\\' "
                             "ORDER BY uses DESC, last_used DESC LIMIT %1")
                  .arg(limit));
    QString p = prefix;
    p.replace(QLatin1String("\\"), QLatin1String("\\\\"))
        .replace(QLatin1String("%"), QLatin1String("\\%"))
        .replace(QLatin1String("_"), QLatin1String("\\_"));
    q.addBindValue(p + QLatin1Char('%'));
    q.exec();
    while (q.next())
        out << q.value(0).toString();
    return out;
}

} // namespace outpost
