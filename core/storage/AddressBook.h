#pragma once

#include <QString>
#include <QStringList>

namespace outpost {

class Clock;
class Database;

/// The addresses used before, for completion in the compose window: remember() on the write
/// connection (after a message is stored), completions() on any connection.
class AddressBook
{
public:
    /// Reads and writes on `db` (remember() only on a write connection); times from `clock`.
    AddressBook(Database *db, const Clock *clock);

    /// Remembers addresses (one more use each, now), in one transaction.
    void remember(const QStringList &addresses);
    /// Addresses used before that start with `prefix` (case-insensitive), most used first.
    QStringList completions(const QString &prefix, int limit = 20) const;

private:
    Database *m_db;
    const Clock *m_clock;
};

} // namespace outpost
