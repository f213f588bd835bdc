#include "Settings.h"

#include "outbox/Database.h"
#include "smtp/Dsn.h"

#include <QSqlError>
#include <QSqlQuery>

namespace outpost {

namespace {
struct KeyInfo
{
    const char *key;
    const char *def;
    bool numeric;
};
constexpr KeyInfo kKeys[] = {
    {"pool.max_per_server", "2", true},      {"pool.max_messages", "100", true},
    {"pool.idle_ms", "60000", true},         {"pool.rate_per_min", "0", true},
    {"timeout.connect", "30000", true},      {"timeout.greeting", "300000", true},
    {"timeout.command", "300000", true},     {"timeout.data_block", "180000", true},
    {"timeout.data_end", "600000", true},    {"timeout.quit", "5000", true},
    {"shutdown.deadline_ms", "10000", true}, {"retry.initial_ms", "60000", true},
    {"retry.max_ms", "3600000", true},       {"retry.lifetime_ms", "432000000", true},
    {"pipelining", "auto", false},           {"chunking", "auto", false},
    {"dsn.notify", "default", false},
};
const KeyInfo *find(const QString &key)
{
    for (const auto &k : kKeys) {
        if (key == QLatin1String(k.key))
            return &k;
    }
    return nullptr;
}
} // namespace

Settings::Settings(Database *db, QObject *parent)
    : QObject(parent)
    , m_db(db)
{
    reload();
}

QStringList Settings::keys()
{
    QStringList out;
    for (const auto &k : kKeys)
        out << QString::fromLatin1(k.key);
    return out;
}

QString Settings::defaultValue(const QString &key)
{
    const KeyInfo *k = find(key);
    return k ? QString::fromLatin1(k->def) : QString();
}

QString Settings::validate(const QString &key, const QString &value)
{
    const KeyInfo *k = find(key);
    if (!k)
        return QStringLiteral("unknown setting \"%1\" (known: %2)")
            .arg(key, keys().join(QLatin1String(", ")));
    if (k->numeric) {
        bool ok = false;
        const qint64 n = value.toLongLong(&ok);
        if (!ok || n < 0)
            return QStringLiteral("%1 needs a whole number >= 0, not \"%2\"").arg(key, value);
        if (key == QLatin1String("pool.max_per_server") ||
            key == QLatin1String("pool.max_messages")) {
            if (n < 1)
                return QStringLiteral("%1 must be at least 1").arg(key);
        }
        return {};
    }
    if (key == QLatin1String("dsn.notify")) {
        int notify = 0;
        if (value == QLatin1String("default") || parseDsnNotify(value, &notify) == DsnProblem::None)
            return {};
        return QStringLiteral("dsn.notify is \"default\" (ask nothing), \"never\", or any of "
                              "success, failure, delay separated by commas, not \"%1\"")
            .arg(value);
    }
    if (value != QLatin1String("auto") && value != QLatin1String("off"))
        return QStringLiteral("%1 is \"auto\" or \"off\", not \"%2\"").arg(key, value);
    return {};
}

QString Settings::value(const QString &account, const QString &key) const
{
    if (!account.isEmpty()) {
        const auto a = m_values.constFind(account);
        if (a != m_values.cend() && a->contains(key))
            return a->value(key);
    }
    const auto g = m_values.constFind(QString());
    if (g != m_values.cend() && g->contains(key))
        return g->value(key);
    return defaultValue(key);
}

qint64 Settings::intValue(const QString &account, const QString &key) const
{
    return value(account, key).toLongLong();
}

QString Settings::storedValue(const QString &account, const QString &key) const
{
    return m_values.value(account).value(key);
}

bool Settings::set(const QString &account, const QString &key, const QString &value, QString *error)
{
    const QString why = validate(key, value);
    if (!why.isEmpty()) {
        *error = why;
        return false;
    }
    QSqlQuery q(m_db->db());
    q.prepare(
        QStringLiteral("INSERT OR REPLACE INTO settings (account, key, value) VALUES (?, ?, ?)"));
    q.addBindValue(account.isNull() ? QStringLiteral("") : account); // '' = global, never NULL
    q.addBindValue(key);
    q.addBindValue(value);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    m_values[account].insert(key, value);
    emit changed(account, key);
    return true;
}

bool Settings::unset(const QString &account, const QString &key, QString *error)
{
    QSqlQuery q(m_db->db());
    q.prepare(QStringLiteral("DELETE FROM settings WHERE account = ? AND key = ?"));
    q.addBindValue(account.isNull() ? QStringLiteral("") : account); // '' = global, never NULL
    q.addBindValue(key);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    m_values[account].remove(key);
    emit changed(account, key);
    return true;
}

QList<std::tuple<QString, QString, QString>> Settings::stored() const
{
    QList<std::tuple<QString, QString, QString>> out;
    QSqlQuery q(m_db->db());
    q.exec(QStringLiteral("SELECT account, key, value FROM settings ORDER BY account, key"));
    while (q.next())
        out.append({q.value(0).toString(), q.value(1).toString(), q.value(2).toString()});
    return out;
}

void Settings::reload()
{
    m_values.clear();
    QSqlQuery q(m_db->db());
    q.exec(QStringLiteral("SELECT account, key, value FROM settings"));
    while (q.next())
        m_values[q.value(0).toString()].insert(q.value(1).toString(), q.value(2).toString());
}

} // namespace outpost
