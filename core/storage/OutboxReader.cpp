#include "OutboxReader.h"

#include "OutboxRows.h"
#include "outbox/Clock.h"

#include <QScopeGuard>
#include <QSet>

#include <algorithm>

namespace outpost {

using namespace rows;

OutboxReader::OutboxReader(Database *db, const Clock *clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
{}

void OutboxReader::announce(const OutboxChanges &changes)
{
    if (changes.reset)
        emit messagesReset();
    for (qint64 id : changes.ids)
        emit messageChanged(id);
}

std::optional<MessageSummary> OutboxReader::summary(qint64 id) const
{
    return readOneSummary(m_db, id, nullptr);
}

QHash<qint64, MessageState> OutboxReader::states(const QList<qint64> &ids) const
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

std::optional<MessageRecord> OutboxReader::message(qint64 id, ReadFailure *failure) const
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
    QSqlError recipientsError;
    rec.recipients = readRecipients(m_db, id, &recipientsError);
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
    if (failed(q.lastError(), failure) || failed(recipientsError, failure) ||
        failed(h.lastError(), failure))
        return std::nullopt;
    return rec;
}

QList<RecipientRecord> OutboxReader::recipients(qint64 id) const
{
    return readRecipients(m_db, id, nullptr);
}

QByteArray OutboxReader::messageData(qint64 id) const
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT data FROM message_data WHERE id = ?"));
    q.addBindValue(id);
    if (q.exec() && q.next())
        return q.value(0).toByteArray();
    return {};
}

QList<MessageSummary> OutboxReader::list(std::optional<MessageState> state, int limit,
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

bool OutboxReader::forEachSummary(std::optional<MessageState> state,
                                  const std::function<bool(const MessageSummary &)> &visit,
                                  ReadFailure *failure) const
{
    return forEachSummary(state, QString(), visit, failure);
}

bool OutboxReader::forEachSummary(std::optional<MessageState> state, const QString &search,
                                  const std::function<bool(const MessageSummary &)> &visit,
                                  ReadFailure *failure) const
{
    QList<QVariant> binds;
    QString where = stateFilter(state);
    if (const QString words = searchFilter(search, &binds); !words.isEmpty())
        where += (where.isEmpty() ? QStringLiteral(" WHERE ") : QStringLiteral(" AND ")) + words;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM messages%2 ORDER BY id DESC")
                  .arg(summaryColumns(m_db), where));
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    if (q.exec()) {
        while (q.next()) {
            if (!visit(readSummary(q)))
                return true;
        }
    }
    return !failed(q.lastError(), failure);
}

QList<qint64> OutboxReader::ids(std::optional<MessageState> state) const
{
    QList<qint64> out;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.exec(QStringLiteral("SELECT id FROM messages%1 ORDER BY id DESC").arg(stateFilter(state)));
    while (q.next())
        out << q.value(0).toLongLong();
    return out;
}

QList<qint64> OutboxReader::dueIds() const
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

QList<qint64> OutboxReader::idsPage(const QList<MessageState> &states, qint64 beforeId, int limit,
                                    const QString &search, qint64 fromId) const
{
    QStringList where;
    QList<QVariant> binds;
    if (!states.isEmpty()) {
        QStringList names;
        for (MessageState s : states)
            names << QLatin1Char('\'') + messageStateName(s) + QLatin1Char('\'');
        where << QStringLiteral("state IN (%1)").arg(names.join(QLatin1Char(',')));
    }
    if (beforeId > 0)
        where << QStringLiteral("id < %1").arg(beforeId);
    if (fromId > 0)
        where << QStringLiteral("id >= %1").arg(fromId);
    if (const QString words = searchFilter(search, &binds); !words.isEmpty())
        where << words;
    QList<qint64> out;
    QSqlQuery q(m_db->db());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id FROM messages%1 ORDER BY id DESC LIMIT %2")
                  .arg(where.isEmpty()
                           ? QString()
                           : QStringLiteral(" WHERE ") + where.join(QLatin1String(" AND ")))
                  .arg(std::max(0, limit)));
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    q.exec();
    while (q.next())
        out << q.value(0).toLongLong();
    return out;
}

qint64 OutboxReader::maxId() const
{
    QSqlQuery q(m_db->db());
    return q.exec(QStringLiteral("SELECT MAX(id) FROM messages")) && q.next()
               ? q.value(0).toLongLong()
               : 0;
}

int OutboxReader::count(std::optional<MessageState> state) const
{
    QSqlQuery q(m_db->db());
    q.exec(QStringLiteral("SELECT COUNT(*) FROM messages%1").arg(stateFilter(state)));
    return q.next() ? q.value(0).toInt() : 0;
}

qint64 OutboxReader::nextDueMs(const QStringList &skipAccounts) const
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

qint64 OutboxReader::nextCopyDueMs(const QStringList &skipAccounts) const
{
    QList<QVariant> binds;
    const QString excl = accountExclusion(skipAccounts, &binds);
    // The same condition as the partial index messages_copy_due, so SQLite uses it.
    QSqlQuery &q = m_db->statement(
        QStringLiteral("SELECT MIN(copy_next_attempt_at) FROM messages WHERE copy_state IN "
                       "('pending', 'failed') AND copy_next_attempt_at > 0%1")
            .arg(excl));
    const auto done = qScopeGuard([&q] { q.finish(); });
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(b);
    if (q.exec() && q.next() && !q.value(0).isNull())
        return q.value(0).toLongLong();
    return -1;
}

int OutboxReader::unsentCount(const QString &account) const
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM messages WHERE account = ? AND state IN "
                             "('queued', 'sending', 'held')"));
    q.addBindValue(account);
    return q.exec() && q.next() ? q.value(0).toInt() : 0;
}

QStringList OutboxReader::orphanAccounts(const QStringList &existing) const
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

} // namespace outpost
