#include "OutboxRows.h"

#include <QRegularExpression>
#include <QScopeGuard>

#include <algorithm>

namespace outpost::rows {

namespace {
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
    "dsn_envid, held_by_account, recipient_count, refused_recipients, bytes_dropped_at, "
    "copy_state, copy_attempts, copy_next_attempt_at, NULLIF(copy_error_class, ''), "
    "CAST(NULLIF(copy_error_text, '') AS BLOB), copy_uid, "
    "CASE WHEN sent_at > 0 THEN sent_at WHEN state = 'sent' THEN updated_at END";
const char kSummaryColumnsAsText[] =
    "id, account, state, NULLIF(error_class, ''), from_text, to_text, subject, attempts, "
    "created_at, send_at, next_attempt_at, last_code, NULLIF(last_enhanced, ''), "
    "NULLIF(last_text, ''), message_id, uncertain, size, NULLIF(last_detail, ''), dsn_notify, "
    "dsn_ret, dsn_envid, held_by_account, recipient_count, refused_recipients, bytes_dropped_at, "
    "copy_state, copy_attempts, copy_next_attempt_at, NULLIF(copy_error_class, ''), "
    "NULLIF(copy_error_text, ''), copy_uid, "
    "CASE WHEN sent_at > 0 THEN sent_at WHEN state = 'sent' THEN updated_at END";

/// A text column read as its UTF-8 bytes (see kSummaryColumns), or as text; empty for NULL.
QString utf8At(const QSqlQuery &q, int column)
{
    const QVariant v = q.value(column);
    return v.typeId() == QMetaType::QByteArray ? QString::fromUtf8(v.toByteArray()) : v.toString();
}
} // namespace

const char kInsertHistory[] =
    "INSERT INTO history (message, at, event, error_class, code, enhanced, text, uncertain, "
    "server, detail, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

QLatin1String summaryColumns(const Database *db)
{
    return QLatin1String(db->textIsUtf8() ? kSummaryColumns : kSummaryColumnsAsText);
}

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
    m.recipientCount = q.value(22).toInt();
    m.refusedRecipients = q.value(23).toInt();
    m.contentDroppedAt = fromMs(q.value(24).toLongLong());
    m.copyState = copyStateFromName(q.value(25).toString());
    m.copyAttempts = q.value(26).toInt();
    m.copyNextAttemptAt = fromMs(q.value(27).toLongLong());
    m.copyErrorClass = q.value(28).toString();
    m.copyError = utf8At(q, 29);
    m.copyUid = quint32(q.value(30).toLongLong());
    m.sentAt = fromMs(q.value(31).toLongLong());
    return m;
}

RecipientRecord readRecipient(const QSqlQuery &q)
{
    RecipientRecord rr;
    rr.address = q.value(0).toByteArray();
    messageStateFromName(q.value(1).toString(), &rr.state);
    rr.reply.code = q.value(2).toInt();
    rr.reply.enhanced = q.value(3).toString().toLatin1();
    const QString text = q.value(4).toString();
    if (!text.isEmpty())
        rr.reply.lines = {text.toUtf8()};
    return rr;
}

QList<RecipientRecord> readRecipients(Database *db, qint64 id, QSqlError *error)
{
    QList<RecipientRecord> out;
    QSqlQuery r(db->db());
    r.prepare(QStringLiteral("SELECT address, state, code, enhanced, text FROM recipients WHERE "
                             "message = ? ORDER BY seq"));
    r.addBindValue(id);
    r.exec();
    while (r.next())
        out << readRecipient(r);
    if (error)
        *error = r.lastError();
    return out;
}

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

QString stateFilter(std::optional<MessageState> state)
{
    return state ? QStringLiteral(" WHERE state = '%1'").arg(messageStateName(*state)) : QString();
}

QString searchFilter(const QString &search, QList<QVariant> *binds)
{
    QStringList terms;
    for (const QString &term :
         search.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
        QString escaped = term;
        escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
        escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
        escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
        // LIKE folds ASCII letters only: for a term with other letters the lower- and
        // upper-case spellings are tried too ("jürgen" finds "JÜRGEN" and "Jürgen").
        QStringList variants{escaped};
        const bool ascii =
            std::all_of(term.cbegin(), term.cend(), [](QChar c) { return c.unicode() < 0x80; });
        if (!ascii) {
            for (const QString &v : {escaped.toLower(), escaped.toUpper()}) {
                if (!variants.contains(v))
                    variants << v;
            }
        }
        QStringList alternatives;
        for (const QString &v : std::as_const(variants)) {
            for (const char *column : {"to_text", "subject"}) {
                alternatives << QStringLiteral("%1 LIKE ? ESCAPE '\\'").arg(QLatin1String(column));
                binds->append(QLatin1Char('%') + v + QLatin1Char('%'));
            }
        }
        terms << QLatin1Char('(') + alternatives.join(QLatin1String(" OR ")) + QLatin1Char(')');
    }
    return terms.join(QLatin1String(" AND "));
}

QString accountExclusion(const QStringList &skip, QList<QVariant> *binds)
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

} // namespace outpost::rows
