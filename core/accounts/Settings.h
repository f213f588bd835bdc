#pragma once

#include <QHash>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

namespace outpost {

class Database;
class Storage;

/// Tunable settings (design.md §6): a global value and per-account overrides, kept in the
/// outbox database and cached in memory. The keys, their defaults and ranges are the one table
/// kSettings (SettingKeys.h); what they mean:
///
/// | key                  | meaning                                              |
/// |----------------------|------------------------------------------------------|
/// | pool.max_per_server  | connections open at once to one server               |
/// | pool.max_messages    | messages per connection, then QUIT and reopen        |
/// | pool.idle_ms         | idle time (ms) before a pooled session QUITs         |
/// | pool.rate_per_min    | messages per minute per server (0 = unlimited)       |
/// | timeout.connect      | TCP connect and TLS handshake (ms)                   |
/// | timeout.greeting     | 220 greeting (RFC 5321 §4.5.3.2.1)                   |
/// | timeout.command      | reply to EHLO, AUTH, MAIL, RCPT, DATA, RSET (ms)     |
/// | timeout.data_block   | progress while sending data (RFC 5321 §4.5.3.2.5)    |
/// | timeout.data_end     | reply to the end of data (RFC 5321 §4.5.3.2.6)       |
/// | timeout.quit         | reply to QUIT, and the server's close after it       |
/// | shutdown.deadline_ms | longest exit: QUIT to all, then abort what is left   |
/// | retry.initial_ms     | first backoff step after a temporary failure         |
/// | retry.max_ms         | backoff ceiling                                      |
/// | retry.lifetime_ms    | give up (failed) this long after queueing (5 days)   |
/// | pipelining           | auto = use PIPELINING (RFC 2920) when offered; off   |
/// | chunking             | auto = use CHUNKING/BDAT (RFC 3030) when offered; off|
/// | chunking.chunk_size  | largest BDAT chunk (octets, 512 to 256 MiB)          |
/// | pool.claim_ahead_bytes | octets of messages taken out of the outbox (marked `sending`) ahead
/// of the wire (global) |
/// | dsn.notify           | NOTIFY asked for messages queued without one (3461)  |
/// | retention.sent_days  | days a sent message keeps its bytes (0 = for ever)   |
///
/// Read from memory; a change is made in memory at once and written through the Storage (as
/// AccountStore's: with a storage thread it returns before it is on disk, and one that cannot
/// be written is undone).
class Settings : public QObject
{
    Q_OBJECT
public:
    /// Loads the settings from `db` (the read connection); writes go through `storage`.
    Settings(Database *db, Storage *storage, QObject *parent = nullptr);

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
    /// Rereads the database (after another process changed it); changes of this process not
    /// written yet are kept.
    void reload();

signals:
    /// Setting `key` of `account` ("" = global) changed.
    void changed(const QString &account, const QString &key);

private:
    using Values = QHash<QString, QHash<QString, QString>>; // account -> key -> value
    /// Applies a change in memory and writes it (`write` on the write connection).
    bool commit(const std::function<void(Values &)> &apply,
                const std::function<bool(Database &, QString *)> &write, QString *error);

    Database *m_db;
    Storage *m_storage;
    Values m_values;
    /// Changes applied in memory, not written yet (reapplied by reload()), by sequence number.
    QMap<quint64, std::function<void(Values &)>> m_unwritten;
    quint64 m_lastChange = 0;
};

} // namespace outpost
