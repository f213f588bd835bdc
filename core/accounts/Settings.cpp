#include "Settings.h"
#include "SettingKeys.h"

#include "smtp/Dsn.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace outpost {

namespace {
QString text(std::string_view v)
{
    return QString::fromLatin1(v.data(), qsizetype(v.size()));
}

const SettingInfo *find(const QString &key)
{
    for (const SettingInfo &k : kSettings) {
        if (key == QLatin1String(k.key.data(), qsizetype(k.key.size())))
            return &k;
    }
    return nullptr;
}
} // namespace

Settings::Settings(Database *db, Storage *storage, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_storage(storage)
{
    reload();
}

QStringList Settings::keys()
{
    QStringList out;
    for (const SettingInfo &k : kSettings)
        out << text(k.key);
    return out;
}

QString Settings::defaultValue(const QString &key)
{
    const SettingInfo *k = find(key);
    return k ? text(k->def) : QString();
}

QString Settings::validate(const QString &key, const QString &value)
{
    const SettingInfo *k = find(key);
    if (!k)
        return QStringLiteral("unknown setting \"%1\" (known: %2)")
            .arg(key, keys().join(QLatin1String(", ")));
    if (k->numeric) {
        // Checked as a whole number in [min, max] before it is stored: a value beyond the
        // range (even beyond 64 bits) is refused, never wrapped around when read as an int.
        // Plain digits only (no sign, blank, exponent or 0x): what is stored is then exactly
        // what `config get` shows and every reader parses.
        const bool digits =
            !value.isEmpty() && std::all_of(value.cbegin(), value.cend(), [](QChar c) {
                return c >= QLatin1Char('0') && c <= QLatin1Char('9');
            });
        bool ok = false;
        const qint64 n = digits ? value.toLongLong(&ok) : 0;
        if (!ok || n < k->min || n > k->max)
            return QStringLiteral("%1 takes a whole number from %2 to %3, not \"%4\"")
                .arg(key)
                .arg(k->min)
                .arg(k->max)
                .arg(value);
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
    const qint64 n = value(account, key).toLongLong();
    const SettingInfo *k = find(key);
    if (!k || !k->numeric)
        return n;
    // A value stored before the range check (an older outbox) is kept within the range too.
    return std::clamp(n, k->min, k->max);
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
    const QString scope = account.isNull() ? QStringLiteral("") : account; // '' = global
    if (!commit([=](Values &v) { v[scope].insert(key, value); },
                [=](Database &db, QString *e) {
                    QSqlQuery q(db.db());
                    q.prepare(QStringLiteral(
                        "INSERT OR REPLACE INTO settings (account, key, value) VALUES (?, ?, ?)"));
                    q.addBindValue(scope);
                    q.addBindValue(key);
                    q.addBindValue(value);
                    if (!q.exec()) {
                        *e = q.lastError().text();
                        return false;
                    }
                    return true;
                },
                error))
        return false;
    emit changed(account, key);
    return true;
}

bool Settings::unset(const QString &account, const QString &key, QString *error)
{
    if (defaultValue(key).isEmpty()) {
        *error = validate(key, QString());
        return false;
    }
    const QString scope = account.isNull() ? QStringLiteral("") : account; // '' = global
    if (!commit([=](Values &v) { v[scope].remove(key); },
                [=](Database &db, QString *e) {
                    QSqlQuery q(db.db());
                    q.prepare(QStringLiteral("DELETE FROM settings WHERE account = ? AND key = ?"));
                    q.addBindValue(scope);
                    q.addBindValue(key);
                    if (!q.exec()) {
                        *e = q.lastError().text();
                        return false;
                    }
                    return true;
                },
                error))
        return false;
    emit changed(account, key);
    return true;
}

bool Settings::commit(const std::function<void(Values &)> &apply,
                      const std::function<bool(Database &, QString *)> &write, QString *error)
{
    const quint64 seq = ++m_lastChange;
    apply(m_values);
    m_unwritten.insert(seq, apply);
    auto job = [write](StorageWriter &w) {
        QString why;
        const bool ok = write(w.db, &why);
        return std::make_pair(ok, why);
    };
    if (!m_storage->hasWorkerThread()) {
        const auto [ok, why] = m_storage->writeNow(job);
        m_unwritten.remove(seq);
        if (!ok) {
            reload();
            *error = why;
        }
        return ok;
    }
    m_storage->write(job, this, [this, seq](const std::pair<bool, QString> &r) {
        m_unwritten.remove(seq);
        if (!r.first) {
            qWarning("outpost: could not write the settings: %s", qPrintable(r.second));
            reload(); // without the change that failed
        }
    });
    return true;
}

QList<std::tuple<QString, QString, QString>> Settings::stored() const
{
    QList<std::tuple<QString, QString, QString>> out;
    QSqlQuery q(m_db->db());
    // The "oauth.*" rows are fields of their account (AccountStore), not settings.
    q.exec(QStringLiteral("SELECT account, key, value FROM settings WHERE key NOT LIKE 'oauth.%' "
                          "ORDER BY account, key"));
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
    for (const auto &apply : std::as_const(m_unwritten))
        apply(m_values); // changes of this process not written yet
}

} // namespace outpost
