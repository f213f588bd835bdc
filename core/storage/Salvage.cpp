#include "Salvage.h"

#include "Database.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>

namespace outpost {

namespace {
/// Rows read per range query; on a read error the rowids after the last good row are probed
/// one by one for this many, then range reading goes on behind them.
constexpr qint64 kWindow = 512;
/// With no known largest rowid, reading stops after this many windows in a row in which
/// nothing could be read (the rest of the table is gone).
constexpr int kEmptyWindowsToStop = 64;

/// The tables of the outbox, parents first (rows are copied in this order).
const QStringList kTables = {QStringLiteral("accounts"),    QStringLiteral("settings"),
                             QStringLiteral("messages"),    QStringLiteral("message_data"),
                             QStringLiteral("recipients"),  QStringLiteral("history"),
                             QStringLiteral("address_book")};

/// One integer from `sql` on `db`; `fallback` when it cannot be read.
qint64 scalar(const QSqlDatabase &db, const QString &sql, qint64 fallback = 0)
{
    QSqlQuery q(db);
    return q.exec(sql) && q.next() ? q.value(0).toLongLong() : fallback;
}

/// The columns of `table` in `db` (empty when its schema cannot be read).
QStringList columns(const QSqlDatabase &db, const QString &table)
{
    QStringList out;
    QSqlQuery q(db);
    if (q.exec(QStringLiteral("PRAGMA table_info(%1)").arg(table))) {
        while (q.next())
            out << q.value(1).toString();
    }
    return out;
}

/// Copies every readable row of `table` from `src` to `dst` (the columns both have), reading
/// through the table's rowid b-tree. Returns the rowids whose read failed (damaged), those
/// at most `maxRowid` when it is known (>= 0).
QSet<qint64> copyTable(const QSqlDatabase &src, QSqlDatabase &dst, const QString &table,
                       qint64 maxRowid)
{
    QSet<qint64> damaged;
    const QStringList srcCols = columns(src, table);
    QStringList cols;
    for (const QString &c : columns(dst, table)) {
        if (srcCols.contains(c))
            cols << c;
    }
    if (cols.isEmpty())
        return damaged;
    const QString list = cols.join(QLatin1String(", "));
    QStringList marks;
    for (qsizetype i = 0; i < cols.size(); ++i)
        marks << QStringLiteral("?");
    QSqlQuery insert(dst);
    insert.prepare(QStringLiteral("INSERT OR IGNORE INTO %1 (rowid, %2) VALUES (?, %3)")
                       .arg(table, list, marks.join(QLatin1String(", "))));
    auto put = [&](const QSqlQuery &row) {
        insert.addBindValue(row.value(0));
        for (qsizetype i = 0; i < cols.size(); ++i)
            insert.addBindValue(row.value(int(i) + 1));
        insert.exec();
    };
    QSqlQuery range(src);
    range.prepare(QStringLiteral("SELECT rowid, %1 FROM %2 WHERE rowid > ? ORDER BY rowid LIMIT %3")
                      .arg(list, table)
                      .arg(kWindow));
    QSqlQuery one(src);
    one.prepare(QStringLiteral("SELECT rowid, %1 FROM %2 WHERE rowid = ?").arg(list, table));
    qint64 last = 0;
    int emptyWindows = 0;
    while (maxRowid < 0 || last < maxRowid) {
        range.addBindValue(last);
        int rows = 0;
        bool failed = !range.exec();
        while (!failed && range.next()) {
            put(range);
            last = range.value(0).toLongLong();
            ++rows;
        }
        failed = failed || range.lastError().isValid();
        range.finish();
        if (!failed) {
            if (rows < kWindow)
                break; // the b-tree was walked to its end without an error
            continue;
        }
        // A page on the way is damaged: probe the next rowids one by one, then go on behind.
        int found = 0;
        for (qint64 id = last + 1; id <= last + kWindow; ++id) {
            if (maxRowid >= 0 && id > maxRowid)
                break;
            one.addBindValue(id);
            if (!one.exec()) {
                damaged.insert(id);
            } else if (one.next()) {
                put(one);
                ++found;
            } else if (one.lastError().isValid()) {
                damaged.insert(id);
            }
            one.finish();
        }
        last += kWindow;
        emptyWindows = found == 0 ? emptyWindows + 1 : 0;
        if (maxRowid < 0 && emptyWindows >= kEmptyWindowsToStop)
            break;
    }
    return damaged;
}

/// Removes `path` and SQLite's files beside it.
void removeDatabaseFiles(const QString &path)
{
    for (const QString &suffix :
         {QString(), QStringLiteral("-journal"), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(path + suffix);
}
} // namespace

QString salvageFailureName(SalvageReport::Failure f)
{
    switch (f) {
    case SalvageReport::Failure::None:
        return QString();
    case SalvageReport::Failure::Unreadable:
        return QStringLiteral("unreadable");
    case SalvageReport::Failure::RecoverFailed:
        return QStringLiteral("recover-failed");
    case SalvageReport::Failure::Unusable:
        return QStringLiteral("unusable");
    case SalvageReport::Failure::CannotSwap:
        return QStringLiteral("cannot-swap");
    }
    return QString();
}

SalvageReport salvageOutbox(const QString &path)
{
    SalvageReport r;
    auto failWith = [&r](SalvageReport::Failure f, const QString &detail) {
        r = SalvageReport();
        r.failure = f;
        r.detail = detail;
        return r;
    };
    const QString newPath = path + QStringLiteral(".salvage");
    removeDatabaseFiles(newPath);
    const QString srcName = QStringLiteral("outpost-salvage-src");
    QSet<qint64> lost;
    {
        QSqlDatabase src = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), srcName);
        src.setDatabaseName(path);
        src.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        const bool opened = src.open();
        // Lets SQLite read a file shorter than its header says (a truncated outbox): it then
        // takes the pages that are there instead of refusing the whole file. Nothing is
        // written through this connection (it is read-only).
        if (opened)
            QSqlQuery(src).exec(QStringLiteral("PRAGMA writable_schema = ON"));
        const QStringList messageCols =
            opened ? columns(src, QStringLiteral("messages")) : QStringList();
        if (messageCols.isEmpty()) {
            const QString why = src.lastError().text();
            src.close();
            src = QSqlDatabase();
            QSqlDatabase::removeDatabase(srcName);
            return failWith(SalvageReport::Failure::Unreadable,
                            why.isEmpty() ? QStringLiteral("the schema cannot be read") : why);
        }
        Database dst;
        QString error;
        if (!dst.open(newPath, &error)) {
            src.close();
            src = QSqlDatabase();
            QSqlDatabase::removeDatabase(srcName);
            removeDatabaseFiles(newPath);
            return failWith(SalvageReport::Failure::RecoverFailed, error);
        }
        QSqlDatabase &out = dst.db();
        QSqlQuery(out).exec(QStringLiteral("BEGIN"));
        // The largest message id ever given (sqlite_sequence is a small table of its own), so
        // that unreadable ids past the last real message are not counted as lost.
        const qint64 maxId =
            scalar(src,
                   QStringLiteral("SELECT seq FROM sqlite_sequence WHERE name = "
                                  "'messages'"),
                   scalar(src, QStringLiteral("SELECT max(rowid) FROM messages"), -1));
        for (const QString &t : kTables) {
            const qint64 max = t == QLatin1String("messages") ? maxId : -1;
            const QSet<qint64> damaged = copyTable(src, out, t, max);
            if (t == QLatin1String("messages"))
                lost = damaged;
        }
        src.close();
        src = QSqlDatabase();
        QSqlDatabase::removeDatabase(srcName);

        QSqlQuery q(out);
        // Rows that survived without their message: that message is lost for good.
        if (q.exec(QStringLiteral(
                "SELECT message FROM recipients WHERE message NOT IN (SELECT id FROM messages) "
                "UNION SELECT message FROM history WHERE message NOT IN (SELECT id FROM messages) "
                "UNION SELECT id FROM message_data WHERE id NOT IN (SELECT id FROM messages)"))) {
            while (q.next())
                lost.insert(q.value(0).toLongLong());
        }
        for (const QString &t : {QStringLiteral("recipients"), QStringLiteral("history")})
            q.exec(QStringLiteral("DELETE FROM %1 WHERE message NOT IN (SELECT id FROM messages)")
                       .arg(t));
        q.exec(
            QStringLiteral("DELETE FROM message_data WHERE id NOT IN (SELECT id FROM messages)"));
        // A message whose bytes are gone cannot be sent: kept as failed, so that the user sees
        // what to write again.
        if (q.exec(QStringLiteral("SELECT id FROM messages WHERE state <> 'sent' AND id NOT IN "
                                  "(SELECT id FROM message_data)"))) {
            while (q.next())
                lost.insert(q.value(0).toLongLong());
        }
        q.exec(QStringLiteral(
            "UPDATE messages SET state = 'failed', error_class = 'local', last_detail = 'its "
            "stored bytes could not be recovered from the damaged outbox' WHERE state <> 'sent' "
            "AND id NOT IN (SELECT id FROM message_data)"));
        // Nor one whose recipients are gone (the envelope is made from them).
        if (q.exec(QStringLiteral("SELECT id FROM messages WHERE state NOT IN ('sent', 'failed') "
                                  "AND id NOT IN (SELECT message FROM recipients)"))) {
            while (q.next())
                lost.insert(q.value(0).toLongLong());
        }
        q.exec(QStringLiteral(
            "UPDATE messages SET state = 'failed', error_class = 'local', last_detail = 'its "
            "recipients could not be recovered from the damaged outbox' WHERE state NOT IN "
            "('sent', 'failed') AND id NOT IN (SELECT message FROM recipients)"));
        // An outbox from before schema 4 has no recipient counts (the new columns stay 0):
        // counted from the recipients that survived, as its migration would have, so a message
        // sent to only some of them is still partial. Newer ones keep their own counts, which
        // hold even where a recipient's row was lost.
        if (!messageCols.contains(QStringLiteral("refused_recipients")))
            q.exec(QStringLiteral(
                "UPDATE messages SET recipient_count = (SELECT COUNT(*) FROM recipients WHERE "
                "recipients.message = messages.id), refused_recipients = (SELECT COUNT(*) FROM "
                "recipients WHERE recipients.message = messages.id AND recipients.state = "
                "'failed')"));
        if (!QSqlQuery(out).exec(QStringLiteral("COMMIT"))) {
            const QString why = out.lastError().text();
            q = QSqlQuery();
            dst.close();
            removeDatabaseFiles(newPath);
            return failWith(SalvageReport::Failure::RecoverFailed, why);
        }
        if (q.exec(QStringLiteral("SELECT state, count(*) FROM messages GROUP BY state"))) {
            while (q.next()) {
                r.messagesByState.insert(q.value(0).toString(), q.value(1).toInt());
                r.recoveredMessages += q.value(1).toInt();
            }
        }
        r.accounts = int(scalar(out, QStringLiteral("SELECT count(*) FROM accounts")));
        r.settings = int(scalar(out, QStringLiteral("SELECT count(*) FROM settings")));
        q = QSqlQuery();
        dst.close();
    }
    r.lostMessages = int(lost.size());
    {
        // The new file must open as an outbox: schema and integrity check.
        Database check;
        QString error;
        if (!check.open(newPath, &error)) {
            removeDatabaseFiles(newPath);
            return failWith(SalvageReport::Failure::Unusable, error);
        }
    }
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    r.damagedKeptAs = path + QStringLiteral(".damaged-") + stamp;
    if (!QFile::rename(path, r.damagedKeptAs))
        return failWith(SalvageReport::Failure::CannotSwap,
                        QStringLiteral("cannot rename %1 to %2").arg(path, r.damagedKeptAs));
    for (const QString &suffix : {QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (QFileInfo::exists(path + suffix))
            QFile::rename(path + suffix, r.damagedKeptAs + suffix);
    }
    if (!QFile::rename(newPath, path)) {
        const QString kept = r.damagedKeptAs;
        QFile::rename(kept, path); // back as it was: nothing is lost either way
        return failWith(SalvageReport::Failure::CannotSwap,
                        QStringLiteral("cannot rename %1 to %2").arg(newPath, path));
    }
    return r;
}

} // namespace outpost
