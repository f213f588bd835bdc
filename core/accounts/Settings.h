#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

namespace outpost {

class Database;

/// Tunable settings (design.md §6): a global value and per-account overrides, kept in the
/// outbox database and cached in memory. Keys and defaults:
///
/// | key                  | default    | meaning                                              |
/// |----------------------|------------|------------------------------------------------------|
/// | pool.max_per_server  | 2          | connections open at once to one server               |
/// | pool.max_messages    | 100        | messages per connection, then QUIT and reopen        |
/// | pool.idle_ms         | 60000      | idle time (ms) before a pooled session QUITs         |
/// | pool.rate_per_min    | 0          | messages per minute per server (0 = unlimited)       |
/// | timeout.connect      | 30000      | TCP connect and TLS handshake (ms)                   |
/// | timeout.greeting     | 300000     | 220 greeting (RFC 5321 §4.5.3.2.1)                   |
/// | timeout.command      | 300000     | reply to EHLO, AUTH, MAIL, RCPT, DATA, RSET (ms)      |
/// | timeout.data_block   | 180000     | progress while sending data (RFC 5321 §4.5.3.2.5)    |
/// | timeout.data_end     | 600000     | reply to the end of data (RFC 5321 §4.5.3.2.6)       |
/// | timeout.quit         | 5000       | reply to QUIT, and the server's close after it       |
/// | shutdown.deadline_ms | 10000      | longest exit: QUIT to all, then abort what is left   |
/// | retry.initial_ms     | 60000      | first backoff step after a temporary failure         |
/// | retry.max_ms         | 3600000    | backoff ceiling                                      |
/// | retry.lifetime_ms    | 432000000  | give up (failed) this long after queueing (5 days)   |
/// | pipelining           | auto       | auto = use PIPELINING (RFC 2920) when offered; off   |
/// | chunking             | auto       | auto = use CHUNKING/BDAT (RFC 3030) when offered; off |
/// | chunking.chunk_size  | 1048576    | largest BDAT chunk (octets, 512 to 256 MiB)          |
class Settings : public QObject
{
    Q_OBJECT
public:
    explicit Settings(Database *db, QObject *parent = nullptr);

    /// Every known key, in table order.
    static QStringList keys();
    /// Default value of `key`, empty for unknown keys.
    static QString defaultValue(const QString &key);
    /// Checks a value for a key; returns "" when fine, else the reason (an unknown key, or a
    /// value out of the key's range, naming it: numbers of times and counts the pool and the
    /// timers read as ints take 0 (1 for pool.max_per_server and pool.max_messages) to
    /// 2147483647, the retry.* times 0 to 31536000000 ms, one year).
    static QString validate(const QString &key, const QString &value);

    /// Effective value: the account's override, else the global value, else the default.
    QString value(const QString &account, const QString &key) const;
    /// value() as an integer (0 when not a number), kept within the key's range (validate()).
    qint64 intValue(const QString &account, const QString &key) const;
    /// The stored value at exactly this scope ("" account = global); empty when unset.
    QString storedValue(const QString &account, const QString &key) const;
    /// Stores a value; returns false with *error for unknown keys, bad values or a write error.
    bool set(const QString &account, const QString &key, const QString &value, QString *error);
    /// Removes a stored value; returns false with *error for an unknown key or a write error.
    bool unset(const QString &account, const QString &key, QString *error);
    /// Every stored (scope, key, value), globals first.
    QList<std::tuple<QString, QString, QString>> stored() const;
    /// Rereads the database (after another process changed it).
    void reload();

signals:
    void changed(const QString &account, const QString &key);

private:
    Database *m_db;
    QHash<QString, QHash<QString, QString>> m_values; // account -> key -> value
};

} // namespace outpost
