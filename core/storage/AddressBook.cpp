#include "AddressBook.h"

#include "Database.h"
#include "outbox/Clock.h"

#include <QSqlQuery>
#include <QVariant>

namespace outpost {

AddressBook::AddressBook(Database *db, const Clock *clock)
    : m_db(db)
    , m_clock(clock)
{}

void AddressBook::remember(const QStringList &addresses)
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

QStringList AddressBook::completions(const QString &prefix, int limit) const
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
