#include "OutboxStore.h"

#include "Clock.h"
#include "Database.h"

#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

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

QDateTime fromMs(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms) : QDateTime();
}

qint64 toMs(const QDateTime &t)
{
    return t.isValid() ? t.toMSecsSinceEpoch() : 0;
}

const char kSummaryColumns[] =
    "id, account, state, error_class, from_text, to_text, subject, attempts, created_at, send_at, "
    "next_attempt_at, last_code, last_enhanced, last_text, message_id, uncertain, size, "
    "last_detail";

MessageSummary readSummary(const QSqlQuery &q)
{
    MessageSummary m;
    m.id = q.value(0).toLongLong();
    m.account = q.value(1).toString();
    messageStateFromName(q.value(2).toString(), &m.state);
    m.errorClass = errorClassFromName(q.value(3).toString());
    m.fromText = q.value(4).toString();
    m.toText = q.value(5).toString();
    m.subject = q.value(6).toString();
    m.attempts = q.value(7).toInt();
    m.createdAt = fromMs(q.value(8).toLongLong());
    m.sendAt = fromMs(q.value(9).toLongLong());
    m.nextAttemptAt = fromMs(q.value(10).toLongLong());
    m.lastReply.code = q.value(11).toInt();
    m.lastReply.enhanced = q.value(12).toString().toLatin1();
    const QString text = q.value(13).toString();
    if (!text.isEmpty())
        m.lastReply.lines = {text.toUtf8()};
    m.messageId = q.value(14).toByteArray();
    m.uncertain = q.value(15).toBool();
    m.size = q.value(16).toLongLong();
    m.lastDetail = q.value(17).toString();
    return m;
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
{}

bool OutboxStore::insertOne(const NewMessage &m, qint64 now, qint64 *id, QString *error)
{
    QSqlDatabase &db = m_db->db();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO messages (account, state, reverse_path, from_text, "
                             "to_text, subject, message_id, size, "
                             "needs_smtputf8, created_at, send_at, next_attempt_at, updated_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
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
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    *id = q.lastInsertId().toLongLong();
    QSqlQuery d(db);
    d.prepare(QStringLiteral("INSERT INTO message_data (id, data) VALUES (?, ?)"));
    d.addBindValue(*id);
    d.addBindValue(m.data);
    if (!d.exec()) {
        *error = d.lastError().text();
        return false;
    }
    QSqlQuery r(db);
    r.prepare(QStringLiteral(
        "INSERT INTO recipients (message, seq, address, state) VALUES (?, ?, ?, 'queued')"));
    for (qsizetype i = 0; i < m.recipients.size(); ++i) {
        r.addBindValue(*id);
        r.addBindValue(int(i));
        r.addBindValue(m.recipients[i]);
        if (!r.exec()) {
            *error = r.lastError().text();
            return false;
        }
    }
    QSqlQuery h(db);
    h.prepare(QStringLiteral("INSERT INTO history (message, at, event) VALUES (?, ?, ?)"));
    h.addBindValue(*id);
    h.addBindValue(now);
    h.addBindValue(m.state == MessageState::Draft ? QStringLiteral("draft saved")
                                                  : QStringLiteral("queued"));
    if (!h.exec()) {
        *error = h.lastError().text();
        return false;
    }
    return true;
}

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
    for (const NewMessage &m : messages) {
        qint64 id = 0;
        if (!insertOne(m, now, &id, error))
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

std::optional<MessageSummary> OutboxStore::summary(qint64 id) const
{
    QSqlQuery q(m_db->db());
    q.prepare(
        QStringLiteral("SELECT %1 FROM messages WHERE id = ?").arg(QLatin1String(kSummaryColumns)));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return readSummary(q);
}

std::optional<MessageRecord> OutboxStore::message(qint64 id) const
{
    const auto s = summary(id);
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
        "SELECT at, event, error_class, code, enhanced, text, uncertain, server, detail "
        "FROM history WHERE message = ? ORDER BY id"));
    h.addBindValue(id);
    h.exec();
    while (h.next()) {
        HistoryEntry e;
        e.at = fromMs(h.value(0).toLongLong());
        e.event = h.value(1).toString();
        e.errorClass = errorClassFromName(h.value(2).toString());
        e.reply.code = h.value(3).toInt();
        e.reply.enhanced = h.value(4).toString().toLatin1();
        if (!h.value(5).toString().isEmpty())
            e.reply.lines = {h.value(5).toString().toUtf8()};
        e.uncertain = h.value(6).toBool();
        e.server = h.value(7).toString();
        e.detail = h.value(8).toString();
        rec.history << e;
    }
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
               .arg(QLatin1String(kSummaryColumns), stateFilter(state))
               .arg(limit)
               .arg(offset));
    while (q.next())
        out << readSummary(q);
    return out;
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

QList<ClaimedMessage> OutboxStore::claimDue(int limit, const QStringList &skipAccounts)
{
    const qint64 now = m_clock->nowMs();
    QList<ClaimedMessage> out;
    // A claim need not be on disk before the message goes out: lost in a power cut, the
    // message is `queued` again, just as recoverInterrupted() would make it. So it commits
    // without a disk sync (WAL with synchronous=NORMAL); the next synchronous commit (the
    // outcome) makes it durable too. Saves one fsync per claim batch (tests/bench flush).
    QSqlQuery(m_db->db()).exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    const auto syncAgain = qScopeGuard(
        [this] { QSqlQuery(m_db->db()).exec(QStringLiteral("PRAGMA synchronous=FULL")); });
    Transaction tx(m_db->db());
    if (!tx.ok())
        return out;
    QList<QVariant> binds;
    const QString excl = accountExclusion(skipAccounts, &binds);
    QSqlQuery q(m_db->db());
    q.prepare(
        QStringLiteral(
            "SELECT id, account, reverse_path, needs_smtputf8, attempts, created_at FROM messages "
            "WHERE state = 'queued' AND next_attempt_at <= ?%1 ORDER BY id LIMIT %2")
            .arg(excl)
            .arg(limit));
    q.addBindValue(now);
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    if (!q.exec())
        return out;
    while (q.next()) {
        ClaimedMessage c;
        c.id = q.value(0).toLongLong();
        c.account = q.value(1).toString();
        c.reversePath = q.value(2).toByteArray();
        c.needsSmtpUtf8 = q.value(3).toBool();
        c.attempts = q.value(4).toInt();
        c.createdAt = fromMs(q.value(5).toLongLong());
        out << c;
    }
    QSqlQuery u(m_db->db());
    u.prepare(QStringLiteral(
        "UPDATE messages SET state = 'sending', updated_at = ? WHERE id = ? AND state = 'queued'"));
    QSqlQuery r(m_db->db());
    r.prepare(QStringLiteral(
        "SELECT address FROM recipients WHERE message = ? AND state = 'queued' ORDER BY seq"));
    QSqlQuery d(m_db->db());
    d.setForwardOnly(true);
    d.prepare(QStringLiteral("SELECT data FROM message_data WHERE id = ?"));
    for (ClaimedMessage &c : out) {
        u.addBindValue(now);
        u.addBindValue(c.id);
        if (!u.exec())
            return {};
        r.addBindValue(c.id);
        r.exec();
        while (r.next())
            c.recipients << r.value(0).toByteArray();
        d.addBindValue(c.id);
        if (d.exec() && d.next())
            c.data = d.value(0).toByteArray();
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
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT MIN(next_attempt_at) FROM messages WHERE state = 'queued'%1")
                  .arg(excl));
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    if (q.exec() && q.next() && !q.value(0).isNull())
        return q.value(0).toLongLong();
    return -1;
}

namespace {
const char kInsertHistory[] =
    "INSERT INTO history (message, at, event, error_class, code, enhanced, text, uncertain, "
    "server, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Executes the prepared kInsertHistory for one entry.
bool insertHistory(QSqlQuery &q, qint64 id, const HistoryEntry &h)
{
    q.addBindValue(id);
    q.addBindValue(toMs(h.at));
    q.addBindValue(h.event);
    q.addBindValue(errorClassName(h.errorClass));
    q.addBindValue(h.reply.code);
    q.addBindValue(QString::fromLatin1(h.reply.enhanced));
    q.addBindValue(h.reply.text());
    q.addBindValue(h.uncertain ? 1 : 0);
    q.addBindValue(h.server);
    q.addBindValue(h.detail);
    return q.exec();
}

/// The statements applyUpdates() runs per message, prepared once per batch (SQLite parses a
/// statement at every prepare()).
struct UpdateStatements
{
    explicit UpdateStatements(QSqlDatabase &db)
        : message(db)
        , recipient(db)
        , history(db)
    {
        message.prepare(QStringLiteral("UPDATE messages SET state = ?, error_class = ?, attempts = "
                                       "attempts + ?, next_attempt_at = ?, "
                                       "last_code = ?, last_enhanced = ?, last_text = ?, "
                                       "last_detail = ?, uncertain = MAX(uncertain, ?), "
                                       "held_by_account = ?, updated_at = ? WHERE id = ?"));
        recipient.prepare(QStringLiteral("UPDATE recipients SET state = ?, code = ?, enhanced = ?, "
                                         "text = ? WHERE message = ? AND address = ?"));
        history.prepare(QLatin1String(kInsertHistory));
    }
    QSqlQuery message, recipient, history;
};

/// One update inside applyUpdates()'s transaction, on its prepared statements.
bool writeUpdate(UpdateStatements *st, const DeliveryUpdate &u, qint64 now, QString *error)
{
    QSqlQuery &q = st->message;
    q.addBindValue(messageStateName(u.state));
    q.addBindValue(errorClassName(u.errorClass));
    q.addBindValue(u.countAttempt ? 1 : 0);
    q.addBindValue(toMs(u.nextAttemptAt));
    q.addBindValue(u.reply.code);
    q.addBindValue(QString::fromLatin1(u.reply.enhanced));
    q.addBindValue(u.reply.text());
    q.addBindValue(u.detail);
    q.addBindValue(u.uncertain ? 1 : 0);
    q.addBindValue(
        u.state == MessageState::Held && u.event == QLatin1String("held (account paused)") ? 1 : 0);
    q.addBindValue(now);
    q.addBindValue(u.id);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    QSqlQuery &r = st->recipient;
    for (const RecipientRecord &rr : u.recipients) {
        r.addBindValue(messageStateName(rr.state));
        r.addBindValue(rr.reply.code);
        r.addBindValue(QString::fromLatin1(rr.reply.enhanced));
        r.addBindValue(rr.reply.text());
        r.addBindValue(u.id);
        r.addBindValue(rr.address);
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
    UpdateStatements statements(m_db->db());
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
        h.event = QStringLiteral("recovered");
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
                 MessageState to, const QString &event, QString *error,
                 bool resetRecipients = false, bool keepSchedule = false)
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
    h.prepare(QStringLiteral("INSERT INTO history (message, at, event) VALUES (?, ?, ?)"));
    h.addBindValue(id);
    h.addBindValue(now);
    h.addBindValue(event);
    h.exec();
    if (!tx.commit()) {
        *error = db->db().lastError().text();
        return false;
    }
    return true;
}
} // namespace

bool OutboxStore::retryNow(qint64 id, QString *error)
{
    const bool ok =
        changeState(m_db, m_clock, id,
                    {QStringLiteral("queued"), QStringLiteral("failed"), QStringLiteral("held")},
                    MessageState::Queued, QStringLiteral("retry requested"), error, true);
    if (ok)
        emit messageChanged(id);
    return ok;
}

bool OutboxStore::hold(qint64 id, QString *error)
{
    const bool ok =
        changeState(m_db, m_clock, id, {QStringLiteral("queued"), QStringLiteral("draft")},
                    MessageState::Held, QStringLiteral("held by the user"), error);
    if (ok)
        emit messageChanged(id);
    return ok;
}

bool OutboxStore::release(qint64 id, QString *error)
{
    const bool ok =
        changeState(m_db, m_clock, id, {QStringLiteral("held"), QStringLiteral("draft")},
                    MessageState::Queued, QStringLiteral("released"), error, false, true);
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
    for (const char *table : {"history", "recipients"}) {
        QSqlQuery d(m_db->db());
        d.prepare(QStringLiteral("DELETE FROM %1 WHERE message = ?").arg(QLatin1String(table)));
        d.addBindValue(id);
        d.exec();
    }
    for (const char *table : {"message_data", "messages"}) {
        QSqlQuery d(m_db->db());
        d.prepare(QStringLiteral("DELETE FROM %1 WHERE id = ?").arg(QLatin1String(table)));
        d.addBindValue(id);
        d.exec();
    }
    if (!tx.commit()) {
        *error = m_db->db().lastError().text();
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
                                MessageState::Draft, QStringLiteral("back to draft for editing"),
                                error, false, true);
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
    h.addBindValue(m.state == MessageState::Draft ? QStringLiteral("edited, draft saved")
                                                  : QStringLiteral("edited and queued"));
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
        u.addBindValue(reply.text());
        u.addBindValue(detail);
        u.addBindValue(now);
        u.addBindValue(id);
        u.exec();
        HistoryEntry h;
        h.at = fromMs(now);
        h.event = QStringLiteral("held (account paused)");
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
        h.event = QStringLiteral("released (account resumed)");
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
