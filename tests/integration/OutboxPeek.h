#pragma once
// Reading and arranging an outbox database the way only a test may: the submitted bytes of a
// message, and the state a crash after its end of data leaves behind.

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

namespace outpost::test {

/// The bytes Outpost stored for message `id` (what it submits), read from the outbox.
inline QByteArray storedBytes(const QString &dir, qint64 id)
{
    QByteArray out;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        db.setDatabaseName(dir + QStringLiteral("/outbox.sqlite"));
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT data FROM message_data WHERE id = ?"));
            q.addBindValue(id);
            if (q.exec() && q.next())
                out = q.value(0).toByteArray();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));
    return out;
}

/// Makes message `id` look as a crash after its end of data left it (state `sending`, its
/// end-of-data mark written): the next start recovers it as "may have been sent already".
inline bool markSentUnanswered(const QString &dir, qint64 id)
{
    bool ok = false;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("mark"));
        db.setDatabaseName(dir + QStringLiteral("/outbox.sqlite"));
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("UPDATE messages SET state = 'sending', "
                                     "end_of_data_at = ? WHERE id = ?"));
            q.addBindValue(QDateTime::currentMSecsSinceEpoch());
            q.addBindValue(id);
            ok = q.exec() && q.numRowsAffected() == 1;
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("mark"));
    return ok;
}

} // namespace outpost::test
